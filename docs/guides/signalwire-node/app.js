// A conference line written as SignalWire's cXML examples write it: the compatibility SDK's
// RestClient reads SIGNALWIRE_SPACE_URL and speaks https to it; webhooks are validated with
// the SDK's own helper. When the host joins, the app mutes every other participant by REST.
// conference-sim drives it unchanged: see line.yaml and the SignalWire guide.
const express = require("express");
const { RestClient } = require("@signalwire/compatibility-api");

const PROJECT = process.env.SIGNALWIRE_PROJECT_ID;
const TOKEN = process.env.SIGNALWIRE_TOKEN;
const client = RestClient(PROJECT, TOKEN); // the space: SIGNALWIRE_SPACE_URL

const app = express();
app.set("trust proxy", true);
app.use(express.urlencoded({ extended: false }));

function signed(req, res, next) {
  const url = `${req.protocol}://${req.get("host")}${req.originalUrl}`;
  const signature = req.get("X-SignalWire-Signature") || req.get("X-Twilio-Signature") || "";
  if (!RestClient.validateRequest(TOKEN, signature, url, req.body)) {
    return res.status(403).send("bad signature");
  }
  return next();
}

app.post("/voice", signed, (req, res) => {
  const host = req.body.From === "+15550000100";
  const response = new RestClient.LaML.VoiceResponse();
  response.dial().conference(
    {
      startConferenceOnEnter: host,
      endConferenceOnExit: host,
      statusCallback: "/events",
      statusCallbackEvent: "join leave start end",
    },
    "standup",
  );
  res.type("text/xml").send(response.toString());
});

app.post("/events", signed, async (req, res) => {
  const { StatusCallbackEvent: event, ConferenceSid: room } = req.body;
  console.log(`${event} ${req.body.CallSid || ""}`);
  if (event === "conference-start") {
    const participants = await client.conferences(room).participants.list();
    for (const p of participants) {
      if (p.callSid !== req.body.CallSid) {
        await client.conferences(room).participants(p.callSid).update({ muted: true });
      }
    }
  }
  res.sendStatus(204);
});

const port = Number(process.env.PORT || 3000);
app.listen(port, "127.0.0.1", () => console.log(`conference line on http://127.0.0.1:${port}`));

// A support line, written as the Express tutorials write it: twilio.webhook() checks every
// request's signature, the TwiML is built with twilio-node, and the agent is dialled with
// calls.create. conference-sim drives it: see desk.yaml and the Express guide.
const express = require("express");
const twilio = require("twilio");

const { VoiceResponse } = twilio.twiml;
const DESK = "+15559990000";
const ROOM = "support";

const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
if (process.env.CONFERENCE_SIM_API_BASE) {
  // under conference-sim, REST calls go to the run's API on this machine
  client.api.baseUrl = process.env.CONFERENCE_SIM_API_BASE;
}

const app = express();
app.set("trust proxy", true); // the platform signed https://…: behind a proxy, trust its headers
app.use(express.urlencoded({ extended: false }));

let agentDialled = false;

app.post("/voice", twilio.webhook(), (req, res) => {
  const twiml = new VoiceResponse();
  twiml.say("Thanks for calling. An agent will be with you shortly.");
  twiml.dial().conference(
    {
      startConferenceOnEnter: false,
      endConferenceOnExit: true,
      statusCallback: "/events",
      statusCallbackEvent: "start end join leave",
    },
    ROOM,
  );
  res.type("text/xml").send(twiml.toString());
});

app.post("/events", twilio.webhook(), async (req, res) => {
  const { StatusCallbackEvent: event, CallSid: callSid } = req.body;
  console.log(`${event} ${callSid || ""}`);
  if (event === "participant-join" && !agentDialled) {
    agentDialled = true;
    const call = await client.calls.create({ to: "client:agent", from: DESK, url: "https://app.example/agent" });
    console.log(`dialled the agent: ${call.sid}`);
  }
  res.sendStatus(204);
});

app.post("/agent", twilio.webhook(), (req, res) => {
  const twiml = new VoiceResponse();
  twiml.dial().conference({ startConferenceOnEnter: true, beep: false }, ROOM);
  res.type("text/xml").send(twiml.toString());
});

const port = Number(process.env.PORT || 3000);
app.listen(port, "127.0.0.1", () => console.log(`support line on http://127.0.0.1:${port}`));

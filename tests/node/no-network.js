// Preloaded into the guides' Node apps in tests (NODE_OPTIONS=--require): DNS is refused and
// no socket may connect anywhere but loopback, so whatever works was answered by the run.
const dns = require("dns");
const net = require("net");

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const refuse = (host) => Object.assign(new Error(`no network in this test (${host})`), { code: "ENOTFOUND" });

const lookup = dns.lookup;
dns.lookup = function (host, options, callback) {
  if (typeof options === "function") [options, callback] = [{}, options];
  if (!LOOPBACK.has(host)) return process.nextTick(() => callback(refuse(host)));
  return lookup.call(dns, host, options, callback);
};
dns.promises.lookup = async (host, options) => {
  if (!LOOPBACK.has(host)) throw refuse(host);
  return lookup.__promisified__ ? lookup.__promisified__(host, options) : require("util").promisify(lookup)(host, options);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0]; // (net.connect normalizes)
  const options = typeof first === "object" ? first : { port: first, host: args[1] };
  const host = options.host || "localhost";
  if (!options.path && net.isIP(host) && !LOOPBACK.has(host)) {
    process.nextTick(() => this.destroy(refuse(host)));
    return this;
  }
  return connect.apply(this, args);
};

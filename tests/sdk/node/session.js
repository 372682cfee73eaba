// Sends the scripted session (tests/sdk/session.json) through a real Node SDK, unchanged.
// usage: node session.js segment-node|rudder-node URL gzip|plain SCRIPT.json
"use strict";
const fs = require("fs");

const [sdk, url, compression, scriptPath] = process.argv.slice(2);
const script = JSON.parse(fs.readFileSync(scriptPath, "utf8"));
const errors = [];

function calls() {
  const out = [];
  for (const call of script.calls) {
    if (call.only && !call.only.includes(sdk)) continue;
    for (let i = 0; i < (call.repeat || 1); i++) out.push(call);
  }
  return out;
}

function args(call) {
  const context = call.pad ? { padding: "x".repeat(call.pad) } : undefined;
  const base = { userId: call.userId };
  if (context) base.context = context;
  switch (call.call) {
    case "track":
      return { ...base, event: call.event, properties: call.properties };
    case "identify":
      return { ...base, traits: call.traits };
    case "page":
    case "screen":
      return { ...base, name: call.name, properties: call.properties };
    case "group":
      return { ...base, groupId: call.groupId, traits: call.traits };
    case "alias":
      return { ...base, previousId: call.previousId };
    default:
      throw new Error(`unknown call ${call.call}`);
  }
}

async function segmentNode() {
  const { Analytics } = require("@segment/analytics-node");
  const client = new Analytics({ writeKey: "sdk-key", host: url, flushAt: 50, flushInterval: 200, maxRetries: 2 });
  client.on("error", (err) => errors.push(String(err && (err.reason || err.message || err))));
  for (const call of calls()) client[call.call](args(call));
  await client.closeAndFlush({ timeout: 60000 });
}

async function rudderNode() {
  const Analytics = require("@rudderstack/rudder-sdk-node");
  const client = new Analytics("sdk-key", {
    dataPlaneUrl: url,
    flushAt: 50,
    flushInterval: 200,
    gzip: compression === "gzip",
    logLevel: "error",
    errorHandler: (err) => errors.push(String(err && (err.message || err))),
  });
  for (const call of calls()) client[call.call](args(call));
  // flush until the queue is empty: each flush sends one batch of at most flushAt messages
  while (client.queue.length > 0) {
    await new Promise((resolve) => client.flush((err) => { if (err) errors.push(String(err)); resolve(); }));
  }
  await new Promise((resolve) => client.flush(() => resolve()));
  // a flush the SDK started by itself (the queue reached flushAt, or its timer) may still be in flight:
  // leaving now would cut it off, so wait until the collector has them all (or a minute went by)
  await arrived(calls().length, 60000);
}

async function arrived(count, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    try {
      const summary = await (await fetch(`${url}/summary`)).json();
      if (summary.events >= count) return;
    } catch (err) {
      // the collector is busy: ask again
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

(sdk === "segment-node" ? segmentNode() : rudderNode())
  .then(() => {
    if (errors.length) {
      console.error(errors.join("\n"));
      process.exit(1);
    }
    process.exit(0);
  })
  .catch((err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  });

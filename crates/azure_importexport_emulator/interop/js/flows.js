// Everyday flows of the official JavaScript SDK (@azure/arm-storageimportexport 2.1.0, used
// unchanged) against `azie emulator`: create, get, list, mark shipped, update tags, a
// refused delete, cancel, locations and BitLocker keys. Run by ./run.sh; exits 1 if a flow
// fails. Every value here is made up for this script.
const { StorageImportExport } = require("@azure/arm-storageimportexport");

const base = process.argv[2];
const sub = "00000000-0000-0000-0000-000000000000";
const rg = "js-rg";
const credential = { getToken: async () => ({ token: "fake", expiresOnTimestamp: Date.now() + 3600e3 }) };
const client = new StorageImportExport(credential, sub, { endpoint: base, allowInsecureConnection: true });
client.pipeline.removePolicy({ name: "bearerTokenAuthenticationPolicy" });
client.pipeline.addPolicy({
  name: "fakeToken",
  sendRequest: (request, next) => { request.headers.set("Authorization", "Bearer fake"); return next(request); },
});

const job = {
  location: "West US",
  properties: {
    storageAccountId: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/jsacct`,
    jobType: "Import",
    returnAddress: { recipientName: "Bo Tester", streetAddress1: "7 Example Ave", city: "Riverbend",
      postalCode: "22222", countryOrRegion: "USA", phone: "5550002222", email: "bo@example.org" },
    returnShipping: { carrierName: "FedEx", carrierAccountNumber: "ACCT-JS-1" },
    diagnosticsPath: "jslogs", logLevel: "Error", backupDriveManifest: false,
    driveList: [{ driveId: "JSDRIVE01", bitLockerKey: "999999-888888-777777-666666-555555-444444-333333-222222",
      manifestFile: "\\js-manifest.xml", manifestHash: "FFEEDDCCBBAA99887766554433221100", driveHeaderHash: "" }],
  },
};

async function main() {
  const passed = [];
  async function flow(name, run) {
    try { await run(); passed.push(name); console.log("ok  ", name); }
    catch (error) { console.log("FAIL", name, String(error.message || error).slice(0, 300)); }
  }
  const check = (ok, what) => { if (!ok) throw new Error(what); };
  await flow("create", () => client.jobs.create("jsjob", rg, job));
  await flow("get", () => client.jobs.get("jsjob", rg));
  await flow("list", async () => { for await (const _ of client.jobs.listByResourceGroup(rg)) {} });
  await flow("mark shipped", async () => {
    const shipped = await client.jobs.update("jsjob", rg, { state: "Shipping", deliveryPackage: { carrierName: "FedEx", trackingNumber: "JSTRACK1" } });
    check(shipped.properties.state === "Shipping", `state ${shipped.properties.state}`);
  });
  await flow("update tags", async () => {
    const tagged = await client.jobs.update("jsjob", rg, { tags: { team: "js" } });
    check(tagged.tags && tagged.tags.team === "js", JSON.stringify(tagged.tags));
  });
  await flow("delete of a Shipping job refused", async () => {
    try { await client.jobs.delete("jsjob", rg); } catch (error) {
      check([400, 409].includes(error.statusCode), `status ${error.statusCode}`); return;
    }
    throw new Error("deleting a Shipping job was not refused");
  });
  await flow("cancel", async () => {
    const cancelled = await client.jobs.update("jsjob", rg, { cancelRequested: true });
    check(cancelled.properties.cancelRequested === true, "cancelRequested not set");
  });
  await flow("locations", async () => { for await (const _ of client.locations.list()) {} });
  await flow("bitlocker keys", async () => { for await (const _ of client.bitLockerKeys.list("jsjob", rg)) {} });
  console.log(`${passed.length} of 9 flows passed`);
  process.exit(passed.length === 9 ? 0 : 1);
}

main().catch((error) => { console.error(error); process.exit(1); });

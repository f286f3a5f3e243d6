// The three Node.js SDKs over https on the emulator's port, trusting its local CA through
// NODE_EXTRA_CA_CERTS, which ../run.sh sets to the CA file the emulator's banner names.

"use strict";

const { test, beforeEach } = require("node:test");
const assert = require("node:assert/strict");

const { reset, tencent, openapi, popCore, waitUntil } = require("./support");

const skip = process.env.NODE_EXTRA_CA_CERTS ? false : "NODE_EXTRA_CA_CERTS is not set to the emulator's CA";

beforeEach(reset);

test("tencentcloud-sdk-nodejs-common over https: a CBS backup made, seen ready and deleted", { skip }, async () => {
  const cbs = tencent("cbs", { https: true });
  const { DiskBackupId: backupId } = await cbs.request("CreateDiskBackup", { DiskId: "disk-qs100002", DiskBackupName: "over-tls" });
  await waitUntil(async () => {
    const [backup] = (await cbs.request("DescribeDiskBackups", { DiskBackupIds: [backupId] })).DiskBackupSet;
    return backup.DiskBackupState === "NORMAL";
  });
  await cbs.request("DeleteDiskBackups", { DiskBackupIds: [backupId] });
  const lighthouse = tencent("lighthouse", { https: true });
  const { SnapshotId: snapshotId } = await lighthouse.request("CreateInstanceSnapshot", { InstanceId: "lhins-qs100002" });
  assert.match(snapshotId, /^lhsnap-/);
});

test("@alicloud/openapi-client over https, both signatures", { skip }, async () => {
  for (const signatureAlgorithm of [undefined, "v2"]) {
    const client = openapi({ https: true, signatureAlgorithm });
    const desktops = await client.call("ecd", "DescribeDesktops", { RegionId: "cn-hangzhou" });
    assert.ok(desktops.Desktops.length >= 3);
  }
});

test("@alicloud/pop-core over https", { skip }, async () => {
  const ens = popCore("ens", { https: true });
  const created = await ens.call("CreateSnapshot", { DiskId: "d-qs20000000000000001", EnsRegionId: "cn-beijing-15", SnapshotName: "tls" });
  assert.equal(created.SnapShotId.length, 1);
});

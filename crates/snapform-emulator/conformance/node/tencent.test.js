// tencentcloud-sdk-nodejs-common against the emulator: every CBS and Lighthouse action the
// emulator serves, the errors the SDK raises, auth failures and throttling.

"use strict";

const { test, beforeEach } = require("node:test");
const assert = require("node:assert/strict");

const { control, reset, tencent, waitUntil, rejectsWith, errorRequestId } = require("./support");

beforeEach(reset);

test("CBS disk backups: DescribeDisks, CreateDiskBackup, DescribeDiskBackups, DeleteDiskBackups", async () => {
  const cbs = tencent("cbs");
  const disks = await cbs.request("DescribeDisks", { DiskIds: ["disk-qs100001", "disk-qs100006"] });
  assert.equal(disks.TotalCount, 2);
  const byId = Object.fromEntries(disks.DiskSet.map((disk) => [disk.DiskId, disk]));
  assert.equal(byId["disk-qs100001"].InstanceId, "ins-qs100001");
  assert.equal(byId["disk-qs100001"].DiskBackupQuota, 64);
  assert.equal(byId["disk-qs100006"].Attached, false);

  const created = await cbs.request("CreateDiskBackup", { DiskId: "disk-qs100001", DiskBackupName: "nightly-1" });
  const backupId = created.DiskBackupId;
  assert.match(backupId, /^dbp-[a-z0-9]{8}$/);
  assert.ok(created.RequestId);

  const described = await cbs.request("DescribeDiskBackups", { DiskBackupIds: [backupId, "dbp-00000000"], Limit: 100 });
  assert.equal(described.TotalCount, 1);
  const backup = described.DiskBackupSet[0];
  assert.equal(backup.DiskId, "disk-qs100001");
  assert.equal(backup.DiskBackupName, "nightly-1");
  assert.equal(backup.DiskBackupState, "CREATING");
  assert.ok(backup.Percent < 100);

  await rejectsWith(cbs.request("CreateDiskBackup", { DiskId: "disk-qs100001" }), "InvalidDisk.Busy");
  await rejectsWith(cbs.request("DeleteDiskBackups", { DiskBackupIds: [backupId] }), "ResourceBusy");

  const byDisk = { Filters: [{ Name: "disk-id", Values: ["disk-qs100001"] }] };
  await waitUntil(async () => {
    const [first] = (await cbs.request("DescribeDiskBackups", byDisk)).DiskBackupSet;
    return first.DiskBackupState === "NORMAL" && first.Percent === 100;
  });
  await cbs.request("DeleteDiskBackups", { DiskBackupIds: [backupId] });
  await waitUntil(async () => (await cbs.request("DescribeDiskBackups", { DiskBackupIds: [backupId] })).TotalCount === 0);
});

test("CBS snapshot groups: CreateSnapshotGroup, DescribeSnapshotGroups, DeleteSnapshotGroup", async () => {
  const cbs = tencent("cbs");
  const created = await cbs.request("CreateSnapshotGroup", {
    DiskIds: ["disk-qs100003", "disk-qs100004"],
    SnapshotGroupName: "pair",
    Tags: [{ Key: "env", Value: "prod" }],
  });
  const groupId = created.SnapshotGroupId;
  assert.match(groupId, /^csnap-[a-z0-9]{8}$/);
  const filters = { Filters: [{ Name: "snapshot-group-id", Values: [groupId, "csnap-zzzzzzzz"] }], Limit: 100 };
  const [group] = (await cbs.request("DescribeSnapshotGroups", filters)).SnapshotGroupSet;
  assert.equal(group.SnapshotGroupState, "CREATING");
  assert.equal(group.SnapshotIdSet.length, 2);
  assert.equal(group.SnapshotGroupName, "pair");

  await rejectsWith(cbs.request("CreateSnapshotGroup", { DiskIds: ["disk-qs100004", "disk-qs100005"] }), "InvalidDisk.SnapshotCreating");
  await rejectsWith(cbs.request("CreateDiskBackup", { DiskId: "disk-qs100003" }), "ResourceUnavailable.SnapshotCreating");
  await rejectsWith(cbs.request("DeleteSnapshotGroup", { SnapshotGroupId: groupId }), "UnsupportedOperation.StateError");
  await waitUntil(async () => (await cbs.request("DescribeSnapshotGroups", filters)).SnapshotGroupSet[0].SnapshotGroupState === "NORMAL");
  await cbs.request("DeleteSnapshotGroup", { SnapshotGroupId: groupId });
  assert.equal((await cbs.request("DescribeSnapshotGroups", filters)).TotalCount, 0);

  await rejectsWith(cbs.request("CreateSnapshotGroup", { DiskIds: ["disk-qs100001", "disk-qs100003"] }), "InvalidParameter");
  await rejectsWith(cbs.request("DeleteSnapshotGroup", { SnapshotGroupId: "csnap-aaaaaaaa" }), "InvalidSnapshotId.NotFound");
});

test("CBS errors: quota, unknown disk, conflicting and unknown filters, unknown backup", async () => {
  const cbs = tencent("cbs");
  await rejectsWith(cbs.request("CreateDiskBackup", { DiskId: "disk-qs100007" }), "ResourceInsufficient.OverQuota");
  await rejectsWith(cbs.request("CreateDiskBackup", { DiskId: "disk-zz999999" }), "InvalidDiskId.NotFound");
  await rejectsWith(
    cbs.request("DescribeDiskBackups", { DiskBackupIds: ["dbp-aaaaaaaa"], Filters: [{ Name: "disk-id", Values: ["disk-qs100001"] }] }),
    "InvalidParameter",
  );
  await rejectsWith(cbs.request("DescribeDiskBackups", { Filters: [{ Name: "colour", Values: ["red"] }] }), "InvalidFilter");
  await rejectsWith(cbs.request("DeleteDiskBackups", { DiskBackupIds: ["dbp-aaaaaaaa"] }), "ResourceNotFound.NotFound");
});

test("Lighthouse: DescribeInstances, CreateInstanceSnapshot, DescribeSnapshots, ModifySnapshotAttribute, DeleteSnapshots", async () => {
  const lighthouse = tencent("lighthouse");
  const instances = await lighthouse.request("DescribeInstances", { InstanceIds: ["lhins-qs100001"] });
  assert.equal(instances.InstanceSet[0].InstanceId, "lhins-qs100001");
  const created = await lighthouse.request("CreateInstanceSnapshot", {
    InstanceId: "lhins-qs100001",
    SnapshotName: "before-upgrade",
    Tags: [{ Key: "team", Value: "web" }],
  });
  const snapshotId = created.SnapshotId;
  assert.match(snapshotId, /^lhsnap-[a-z0-9]{8}$/);
  await rejectsWith(lighthouse.request("CreateInstanceSnapshot", { InstanceId: "lhins-qs100001" }), "UnsupportedOperation.LatestOperationUnfinished");
  await rejectsWith(lighthouse.request("DeleteSnapshots", { SnapshotIds: [snapshotId] }), "UnsupportedOperation.InvalidSnapshotState");
  const [snapshot] = (await lighthouse.request("DescribeSnapshots", { SnapshotIds: [snapshotId], Limit: 100 })).SnapshotSet;
  assert.equal(snapshot.SnapshotState, "CREATING");
  assert.equal(snapshot.LatestOperationState, "OPERATING");
  assert.equal(snapshot.Tags[0].Key, "team");
  await lighthouse.request("ModifySnapshotAttribute", { SnapshotId: snapshotId, SnapshotName: "renamed" });
  const byInstance = { Filters: [{ Name: "instance-id", Values: ["lhins-qs100001"] }] };
  await waitUntil(async () => (await lighthouse.request("DescribeSnapshots", byInstance)).SnapshotSet[0].SnapshotState === "NORMAL");
  assert.equal((await lighthouse.request("DescribeSnapshots", byInstance)).SnapshotSet[0].SnapshotName, "renamed");
  await lighthouse.request("DeleteSnapshots", { SnapshotIds: [snapshotId] });
  assert.equal((await lighthouse.request("DescribeSnapshots", { SnapshotIds: [snapshotId] })).TotalCount, 0);
});

test("Lighthouse errors: malformed and unknown instance, long name, too many IDs, unknown snapshot", async () => {
  const lighthouse = tencent("lighthouse");
  await rejectsWith(lighthouse.request("CreateInstanceSnapshot", { InstanceId: "ins-nope" }), "InvalidParameterValue.InstanceIdMalformed");
  await rejectsWith(lighthouse.request("CreateInstanceSnapshot", { InstanceId: "lhins-zz999999" }), "ResourceNotFound.InstanceIdNotFound");
  await rejectsWith(
    lighthouse.request("CreateInstanceSnapshot", { InstanceId: "lhins-qs100002", SnapshotName: "x".repeat(61) }),
    "InvalidParameterValue.SnapshotNameTooLong",
  );
  const ids = Array.from({ length: 11 }, (_, n) => `lhsnap-${String(n).padStart(8, "0")}`);
  await rejectsWith(lighthouse.request("DeleteSnapshots", { SnapshotIds: ids }), "InvalidParameterValue.LimitExceeded");
  await rejectsWith(
    lighthouse.request("ModifySnapshotAttribute", { SnapshotId: "lhsnap-00000000", SnapshotName: "x" }),
    "ResourceNotFound.SnapshotIdNotFound",
  );
});

test("auth failures: a wrong secret key and an unknown secret id", async () => {
  const wrongKey = await rejectsWith(tencent("cbs", { secretKey: "wrong" }).request("DescribeDisks", {}), "AuthFailure.SignatureFailure");
  assert.ok(errorRequestId(wrongKey));
  await rejectsWith(tencent("lighthouse", { secretId: "AKIDunknown" }).request("DescribeInstances", {}), "AuthFailure.SecretIdNotFound");
});

test("throttling: RequestLimitExceeded once an action goes over 20 requests a second", async () => {
  // Calls in a tight loop pass 20 a second long before 200, as long as one takes under 50 ms.
  const cbs = tencent("cbs", { region: "ap-shanghai" });
  let caught;
  for (let n = 0; n < 200 && !caught; n += 1) {
    try {
      await cbs.request("DescribeDiskBackups", {});
    } catch (error) {
      caught = error;
    }
  }
  assert.ok(caught, "no RequestLimitExceeded raised");
  assert.equal(caught.code, "RequestLimitExceeded");
  assert.ok(errorRequestId(caught));
  const stats = await control("GET", "stats");
  assert.ok(stats.throttled["cbs.DescribeDiskBackups"] >= 1);
});

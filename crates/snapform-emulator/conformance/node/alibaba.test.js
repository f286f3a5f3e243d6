// @alicloud/openapi-client (ACS3-HMAC-SHA256 and RPC V1) and @alicloud/pop-core (RPC V1)
// against the emulator: every ECD and ENS action the emulator serves, the errors the SDKs
// raise, auth failures and throttling.

"use strict";

const { test, beforeEach } = require("node:test");
const assert = require("node:assert/strict");

const { reset, openapi, popCore, waitUntil, rejectsWith, errorRequestId } = require("./support");

beforeEach(reset);

/**
 * One ECD client per SDK and signature, each as `call(action, queries)` answering the body.
 * The emulator routes Alibaba requests by version, so one address serves both products.
 */
const ECD_CLIENTS = {
  "openapi-client ACS3": () => {
    const client = openapi();
    return (action, queries) => client.call("ecd", action, queries);
  },
  "openapi-client RPC V1": () => {
    const client = openapi({ signatureAlgorithm: "v2" });
    return (action, queries) => client.call("ecd", action, queries);
  },
  "pop-core": () => {
    const client = popCore("ecd");
    return (action, queries) => client.call(action, queries);
  },
};

for (const [name, makeClient] of Object.entries(ECD_CLIENTS)) {
  test(`ECD with ${name}: DescribeDesktops, CreateSnapshot, DescribeSnapshots, DeleteSnapshot`, async () => {
    const ecd = makeClient();
    const desktops = await ecd("DescribeDesktops", { RegionId: "cn-hangzhou", DesktopId: ["ecd-qs1000000000001"] });
    assert.equal(desktops.Desktops[0].DesktopStatus, "Running");
    const created = await ecd("CreateSnapshot", {
      RegionId: "cn-hangzhou",
      DesktopId: "ecd-qs1000000000001",
      SnapshotName: "daily-1",
      SourceDiskType: "system",
      Description: "nightly",
    });
    const snapshotId = created.SnapshotId;
    assert.match(snapshotId, /^s-[a-z0-9]{20}$/);
    assert.ok(created.RequestId);
    const describe = { RegionId: "cn-hangzhou", SnapshotId: snapshotId, MaxResults: 100 };
    const [snapshot] = (await ecd("DescribeSnapshots", describe)).Snapshots;
    assert.equal(snapshot.Status, "PROGRESSING");
    assert.equal(snapshot.SourceDiskType, "SYSTEM");
    assert.ok(snapshot.Progress.endsWith("%"));
    await rejectsWith(
      ecd("CreateSnapshot", { RegionId: "cn-hangzhou", DesktopId: "ecd-qs1000000000001", SnapshotName: "daily-2", SourceDiskType: "SYSTEM" }),
      "IncorrectDiskStatus.CreatingSnapshot",
    );
    await waitUntil(async () => (await ecd("DescribeSnapshots", describe)).Snapshots[0].Status === "ACCOMPLISHED");
    assert.equal((await ecd("DescribeSnapshots", describe)).Snapshots[0].Progress, "100%");
    await ecd("DeleteSnapshot", { RegionId: "cn-hangzhou", SnapshotId: [snapshotId] });
    assert.deepEqual((await ecd("DescribeSnapshots", describe)).Snapshots, []);
  });
}

test("ECD errors: desktop state, unknown desktop, reserved name, too many IDs", async () => {
  const client = openapi();
  const ecd = (action, queries) => client.call("ecd", action, queries);
  const create = (desktopId, snapshotName) =>
    ecd("CreateSnapshot", { RegionId: "cn-hangzhou", DesktopId: desktopId, SnapshotName: snapshotName, SourceDiskType: "system" });
  const error = await rejectsWith(create("ecd-qs1000000000003", "daily-1"), "IncorrectDesktopStatus");
  assert.equal(error.statusCode, 400);
  assert.ok(errorRequestId(error));
  await rejectsWith(create("ecd-nope", "daily-1"), "InvalidDesktopId.NotFound");
  await rejectsWith(create("ecd-qs1000000000002", "auto-1"), "InvalidParameter.SnapshotName");
  const ids = Array.from({ length: 101 }, (_, n) => `s-${String(n).padStart(20, "0")}`);
  await rejectsWith(ecd("DeleteSnapshot", { RegionId: "cn-hangzhou", SnapshotId: ids }), "InvalidParameter.SnapshotId");
});

/** One ENS client per SDK, as for ECD. */
const ENS_CLIENTS = {
  "pop-core": () => {
    const client = popCore("ens");
    return (action, queries) => client.call(action, queries);
  },
  "pop-core over GET": () => {
    const client = popCore("ens");
    return (action, queries) => client.call(action, queries, "GET");
  },
  "openapi-client ACS3": () => {
    const client = openapi();
    return (action, queries) => client.call("ens", action, queries);
  },
};

for (const [name, makeClient] of Object.entries(ENS_CLIENTS)) {
  test(`ENS with ${name}: DescribeDisks, CreateSnapshot, DescribeSnapshots, ModifySnapshotAttribute, DeleteSnapshot`, async () => {
    const ens = makeClient();
    const disks = await ens("DescribeDisks", { EnsRegionId: "cn-shenzhen-3" });
    assert.equal(disks.TotalCount, 2);
    assert.equal(disks.Disks.Disks[0].DiskId, "d-qs10000000000000001");
    const created = await ens("CreateSnapshot", {
      DiskId: "d-qs10000000000000001",
      EnsRegionId: "cn-shenzhen-3",
      SnapshotName: "edge-1",
      Description: "weekly",
    });
    assert.equal(created.SnapShotId.length, 1);
    const [snapshotId] = created.SnapShotId;
    assert.ok(created.OrderId);
    const describe = { SnapshotId: JSON.stringify([snapshotId, "sp-missing"]), PageSize: 100 };
    const [snapshot] = (await ens("DescribeSnapshots", describe)).Snapshots;
    assert.equal(snapshot.Status, "creating");
    assert.equal(snapshot.SourceDiskId, "d-qs10000000000000001");
    await rejectsWith(ens("DeleteSnapshot", { SnapshotId: snapshotId }), "DISK_SNAPSHOT_STATUS_NOT_MATCH");
    await ens("ModifySnapshotAttribute", { SnapshotId: snapshotId, SnapshotName: "edge-renamed", Description: "monthly" });
    await waitUntil(async () => (await ens("DescribeSnapshots", describe)).Snapshots[0].Status === "available");
    const renamed = (await ens("DescribeSnapshots", describe)).Snapshots[0];
    assert.deepEqual([renamed.SnapshotName, renamed.Description], ["edge-renamed", "monthly"]);
    await ens("DeleteSnapshot", { SnapshotId: snapshotId });
    await waitUntil(async () => (await ens("DescribeSnapshots", describe)).Snapshots.length === 0);
  });
}

test("ENS errors: bad name, disk in another region, unknown snapshot", async () => {
  const client = popCore("ens");
  const ens = (action, queries) => client.call(action, queries);
  await rejectsWith(
    ens("CreateSnapshot", { DiskId: "d-qs10000000000000001", EnsRegionId: "cn-shenzhen-3", SnapshotName: "http://x" }),
    "InvalidParameter.SnapshotName",
  );
  await rejectsWith(ens("CreateSnapshot", { DiskId: "d-qs10000000000000001", EnsRegionId: "cn-beijing-15" }), "InvalidDiskId.NotFound");
  await rejectsWith(ens("DeleteSnapshot", { SnapshotId: "sp-nope" }), "ERROR_SNAPSHOT_NOT_FOUND");
  await rejectsWith(ens("ModifySnapshotAttribute", { SnapshotId: "sp-nope", SnapshotName: "abc" }), "SnapshotIdNotFound");
});

test("auth failures: a wrong secret and an unknown key, for each SDK and signature", async () => {
  const query = { RegionId: "cn-hangzhou" };
  const wrong = await rejectsWith(openapi({ accessKeySecret: "wrong" }).call("ecd", "DescribeDesktops", query), "SignatureDoesNotMatch");
  assert.equal(wrong.statusCode, 400);
  assert.ok(errorRequestId(wrong));
  await rejectsWith(
    openapi({ accessKeySecret: "wrong", signatureAlgorithm: "v2" }).call("ecd", "DescribeDesktops", query),
    "SignatureDoesNotMatch",
  );
  await rejectsWith(popCore("ecd", { accessKeySecret: "wrong" }).call("DescribeDesktops", query), "SignatureDoesNotMatch");
  await rejectsWith(openapi({ accessKeyId: "LTAIunknown" }).call("ens", "DescribeSnapshots", {}), "InvalidAccessKeyId.NotFound");
  await rejectsWith(popCore("ens", { accessKeyId: "LTAIunknown" }).call("DescribeSnapshots", {}), "InvalidAccessKeyId.NotFound");
});

/** Calls `call` in a tight loop until it fails; answers the error. */
async function firstFailure(call) {
  for (let n = 0; n < 200; n += 1) {
    try {
      await call();
    } catch (error) {
      return error;
    }
  }
  assert.fail("no Throttling.User raised");
}

test("throttling: Throttling.User (HTTP 400) once an action goes over 20 requests a second", async () => {
  const client = openapi();
  const error = await firstFailure(() => client.call("ens", "DescribeDisks", { EnsRegionId: "cn-beijing-15" }));
  assert.equal(error.code, "Throttling.User");
  assert.equal(error.statusCode, 400);
  assert.ok(errorRequestId(error));
  const pop = popCore("ecd");
  const popError = await firstFailure(() => pop.call("DescribeDesktops", { RegionId: "cn-shanghai" }));
  assert.equal(popError.code, "Throttling.User");
});

"""Conformance suite: the official Python SDKs, unchanged but for the endpoint, against the emulator.

Run through conformance/run.sh, which starts the emulator and sets SNAPFORM_EMULATOR_ENDPOINT
(host:port) and SNAPFORM_EMULATOR_CA_FILE (the CA of the same port's https side). Each test
resets the emulated cloud first through the control API. The emulator is started with
--ready-after 1s, so waits here are short.
"""

import json
import os
import time
import unittest
import urllib.request

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cbs.v20170312 import cbs_client, models as cbs_models
from tencentcloud.lighthouse.v20200324 import lighthouse_client, models as lh_models

from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi import exceptions as open_api_exceptions
from alibabacloud_ecd20200930.client import Client as EcdClient
from alibabacloud_ecd20200930 import models as ecd_models
from alibabacloud_ens20171110.client import Client as EnsClient
from alibabacloud_ens20171110 import models as ens_models
from darabonba.runtime import RuntimeOptions

ENDPOINT = os.environ.get("SNAPFORM_EMULATOR_ENDPOINT", "127.0.0.1:4566")
TC_ID = "AKIDsnapformEmulatorTestKey0000001"
TC_KEY = "snapformEmulatorTencentSecretKey"
ALI_ID = "LTAIsnapformEmulatorTestKey"
ALI_SECRET = "snapformEmulatorAlicloudSecretKey"


def control(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://{ENDPOINT}/_emulator/{path}", data=data, method=method)
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def tencent_profile():
    return ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=ENDPOINT))


def cbs(region="ap-guangzhou", key=TC_KEY, secret_id=TC_ID):
    return cbs_client.CbsClient(credential.Credential(secret_id, key), region, tencent_profile())


def lighthouse(region="ap-guangzhou"):
    return lighthouse_client.LighthouseClient(credential.Credential(TC_ID, TC_KEY), region, tencent_profile())


def ali_config(secret=ALI_SECRET, key_id=ALI_ID, region="cn-hangzhou", algorithm=None):
    config = open_api_models.Config(
        access_key_id=key_id,
        access_key_secret=secret,
        region_id=region,
        endpoint=ENDPOINT,
        protocol="http",
    )
    if algorithm:
        config.signature_algorithm = algorithm
    return config


def ecd(**kwargs):
    return EcdClient(ali_config(**kwargs))


def ens(**kwargs):
    return EnsClient(ali_config(**kwargs))


def tc_call(client, action, model_module, params):
    request = getattr(model_module, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client, action)(request)


def wait_until(check, timeout=8.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("condition not reached in time")


class EmulatorTestCase(unittest.TestCase):
    def setUp(self):
        control("POST", "reset")

    def assertTencentError(self, code, call, *args):
        with self.assertRaises(TencentCloudSDKException) as caught:
            call(*args)
        self.assertEqual(caught.exception.get_code(), code, caught.exception.get_message())
        self.assertTrue(caught.exception.get_request_id())
        return caught.exception

    def assertAlibabaError(self, code, call, *args, exception=open_api_exceptions.ClientException):
        with self.assertRaises(exception) as caught:
            call(*args)
        self.assertEqual(caught.exception.code, code, str(caught.exception))
        self.assertTrue(caught.exception.request_id)
        return caught.exception


class CbsDiskBackupTest(EmulatorTestCase):
    def test_lifecycle(self):
        client = cbs()
        disks = tc_call(client, "DescribeDisks", cbs_models, {"DiskIds": ["disk-qs100001", "disk-qs100006"]})
        self.assertEqual(disks.TotalCount, 2)
        by_id = {disk.DiskId: disk for disk in disks.DiskSet}
        self.assertEqual(by_id["disk-qs100001"].InstanceId, "ins-qs100001")
        self.assertEqual(by_id["disk-qs100001"].DiskBackupQuota, 64)
        self.assertFalse(by_id["disk-qs100006"].Attached)

        created = tc_call(client, "CreateDiskBackup", cbs_models, {"DiskId": "disk-qs100001", "DiskBackupName": "nightly-1"})
        backup_id = created.DiskBackupId
        self.assertRegex(backup_id, r"^dbp-[a-z0-9]{8}$")
        self.assertTrue(created.RequestId)

        described = tc_call(client, "DescribeDiskBackups", cbs_models, {"DiskBackupIds": [backup_id, "dbp-00000000"], "Limit": 100})
        self.assertEqual(described.TotalCount, 1)
        backup = described.DiskBackupSet[0]
        self.assertEqual(backup.DiskId, "disk-qs100001")
        self.assertEqual(backup.DiskBackupName, "nightly-1")
        self.assertEqual(backup.DiskBackupState, "CREATING")
        self.assertLess(backup.Percent, 100)

        self.assertTencentError("InvalidDisk.Busy", tc_call, client, "CreateDiskBackup", cbs_models, {"DiskId": "disk-qs100001"})
        self.assertTencentError("ResourceBusy", tc_call, client, "DeleteDiskBackups", cbs_models, {"DiskBackupIds": [backup_id]})

        def ready():
            result = tc_call(client, "DescribeDiskBackups", cbs_models, {"Filters": [{"Name": "disk-id", "Values": ["disk-qs100001"]}]})
            return result.DiskBackupSet[0].DiskBackupState == "NORMAL" and result.DiskBackupSet[0].Percent == 100

        wait_until(ready)
        tc_call(client, "DeleteDiskBackups", cbs_models, {"DiskBackupIds": [backup_id]})
        wait_until(lambda: tc_call(client, "DescribeDiskBackups", cbs_models, {"DiskBackupIds": [backup_id]}).TotalCount == 0)

    def test_get_with_form_parameters(self):
        profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=ENDPOINT, reqMethod="GET"))
        client = cbs_client.CbsClient(credential.Credential(TC_ID, TC_KEY), "ap-guangzhou", profile)
        backup_id = tc_call(cbs(), "CreateDiskBackup", cbs_models, {"DiskId": "disk-qs100002"}).DiskBackupId
        found = tc_call(client, "DescribeDiskBackups", cbs_models,
                        {"Filters": [{"Name": "disk-id", "Values": ["disk-qs100002", "disk-qs100003"]}], "Limit": 10, "Offset": 0})
        self.assertEqual([backup.DiskBackupId for backup in found.DiskBackupSet], [backup_id])

    def test_errors(self):
        client = cbs()
        self.assertTencentError("ResourceInsufficient.OverQuota", tc_call, client, "CreateDiskBackup", cbs_models, {"DiskId": "disk-qs100007"})
        self.assertTencentError("InvalidDiskId.NotFound", tc_call, client, "CreateDiskBackup", cbs_models, {"DiskId": "disk-zz999999"})
        self.assertTencentError("InvalidParameter", tc_call, client, "DescribeDiskBackups", cbs_models,
                                {"DiskBackupIds": ["dbp-aaaaaaaa"], "Filters": [{"Name": "disk-id", "Values": ["disk-qs100001"]}]})
        self.assertTencentError("InvalidFilter", tc_call, client, "DescribeDiskBackups", cbs_models,
                                {"Filters": [{"Name": "colour", "Values": ["red"]}]})
        self.assertTencentError("ResourceNotFound.NotFound", tc_call, client, "DeleteDiskBackups", cbs_models, {"DiskBackupIds": ["dbp-aaaaaaaa"]})


class CbsSnapshotGroupTest(EmulatorTestCase):
    def test_lifecycle(self):
        client = cbs()
        created = tc_call(client, "CreateSnapshotGroup", cbs_models, {
            "DiskIds": ["disk-qs100003", "disk-qs100004"],
            "SnapshotGroupName": "pair",
            "Tags": [{"Key": "env", "Value": "prod"}],
        })
        group_id = created.SnapshotGroupId
        self.assertRegex(group_id, r"^csnap-[a-z0-9]{8}$")
        filters = {"Filters": [{"Name": "snapshot-group-id", "Values": [group_id, "csnap-zzzzzzzz"]}], "Limit": 100}
        group = tc_call(client, "DescribeSnapshotGroups", cbs_models, filters).SnapshotGroupSet[0]
        self.assertEqual(group.SnapshotGroupState, "CREATING")
        self.assertEqual(len(group.SnapshotIdSet), 2)
        self.assertEqual(group.SnapshotGroupName, "pair")

        self.assertTencentError("InvalidDisk.SnapshotCreating", tc_call, client, "CreateSnapshotGroup", cbs_models, {"DiskIds": ["disk-qs100004", "disk-qs100005"]})
        self.assertTencentError("ResourceUnavailable.SnapshotCreating", tc_call, client, "CreateDiskBackup", cbs_models, {"DiskId": "disk-qs100003"})
        self.assertTencentError("UnsupportedOperation.StateError", tc_call, client, "DeleteSnapshotGroup", cbs_models, {"SnapshotGroupId": group_id})
        wait_until(lambda: tc_call(client, "DescribeSnapshotGroups", cbs_models, filters).SnapshotGroupSet[0].SnapshotGroupState == "NORMAL")
        tc_call(client, "DeleteSnapshotGroup", cbs_models, {"SnapshotGroupId": group_id})
        self.assertEqual(tc_call(client, "DescribeSnapshotGroups", cbs_models, filters).TotalCount, 0)

    def test_disks_must_share_an_instance(self):
        client = cbs()
        self.assertTencentError("InvalidParameter", tc_call, client, "CreateSnapshotGroup", cbs_models, {"DiskIds": ["disk-qs100001", "disk-qs100003"]})
        self.assertTencentError("InvalidParameter", tc_call, client, "CreateSnapshotGroup", cbs_models, {"DiskIds": ["disk-qs100006"]})
        self.assertTencentError("InvalidSnapshotId.NotFound", tc_call, client, "DeleteSnapshotGroup", cbs_models, {"SnapshotGroupId": "csnap-aaaaaaaa"})


class LighthouseSnapshotTest(EmulatorTestCase):
    def test_lifecycle(self):
        client = lighthouse()
        instances = tc_call(client, "DescribeInstances", lh_models, {"InstanceIds": ["lhins-qs100001"]})
        self.assertEqual(instances.InstanceSet[0].InstanceId, "lhins-qs100001")
        created = tc_call(client, "CreateInstanceSnapshot", lh_models, {
            "InstanceId": "lhins-qs100001", "SnapshotName": "before-upgrade", "Tags": [{"Key": "team", "Value": "web"}]})
        snapshot_id = created.SnapshotId
        self.assertRegex(snapshot_id, r"^lhsnap-[a-z0-9]{8}$")
        self.assertTencentError("UnsupportedOperation.LatestOperationUnfinished", tc_call, client, "CreateInstanceSnapshot", lh_models, {"InstanceId": "lhins-qs100001"})
        self.assertTencentError("UnsupportedOperation.InvalidSnapshotState", tc_call, client, "DeleteSnapshots", lh_models, {"SnapshotIds": [snapshot_id]})
        described = tc_call(client, "DescribeSnapshots", lh_models, {"SnapshotIds": [snapshot_id], "Limit": 100})
        snapshot = described.SnapshotSet[0]
        self.assertEqual(snapshot.SnapshotState, "CREATING")
        self.assertEqual(snapshot.LatestOperationState, "OPERATING")
        self.assertEqual(snapshot.Tags[0].Key, "team")
        tc_call(client, "ModifySnapshotAttribute", lh_models, {"SnapshotId": snapshot_id, "SnapshotName": "renamed"})
        by_filter = {"Filters": [{"Name": "instance-id", "Values": ["lhins-qs100001"]}]}
        wait_until(lambda: tc_call(client, "DescribeSnapshots", lh_models, by_filter).SnapshotSet[0].SnapshotState == "NORMAL")
        self.assertEqual(tc_call(client, "DescribeSnapshots", lh_models, by_filter).SnapshotSet[0].SnapshotName, "renamed")
        tc_call(client, "DeleteSnapshots", lh_models, {"SnapshotIds": [snapshot_id]})
        self.assertEqual(tc_call(client, "DescribeSnapshots", lh_models, {"SnapshotIds": [snapshot_id]}).TotalCount, 0)

    def test_errors(self):
        client = lighthouse()
        self.assertTencentError("InvalidParameterValue.InstanceIdMalformed", tc_call, client, "CreateInstanceSnapshot", lh_models, {"InstanceId": "ins-nope"})
        self.assertTencentError("ResourceNotFound.InstanceIdNotFound", tc_call, client, "CreateInstanceSnapshot", lh_models, {"InstanceId": "lhins-zz999999"})
        self.assertTencentError("InvalidParameterValue.SnapshotNameTooLong", tc_call, client, "CreateInstanceSnapshot", lh_models, {"InstanceId": "lhins-qs100002", "SnapshotName": "x" * 61})
        ids = [f"lhsnap-{n:08d}" for n in range(11)]
        self.assertTencentError("InvalidParameterValue.LimitExceeded", tc_call, client, "DeleteSnapshots", lh_models, {"SnapshotIds": ids})
        self.assertTencentError("ResourceNotFound.SnapshotIdNotFound", tc_call, client, "ModifySnapshotAttribute", lh_models, {"SnapshotId": "lhsnap-00000000", "SnapshotName": "x"})
        self.assertTencentError("InvalidParameter.ParameterConflict", tc_call, client, "DescribeSnapshots", lh_models,
                                {"SnapshotIds": ["lhsnap-00000000"], "Filters": [{"Name": "instance-id", "Values": ["lhins-qs100001"]}]})


class EcdSnapshotTest(EmulatorTestCase):
    def run_lifecycle(self, client):
        desktops = client.describe_desktops(ecd_models.DescribeDesktopsRequest(region_id="cn-hangzhou", desktop_id=["ecd-qs1000000000001"]))
        self.assertEqual(desktops.body.desktops[0].desktop_status, "Running")
        created = client.create_snapshot(ecd_models.CreateSnapshotRequest(
            region_id="cn-hangzhou", desktop_id="ecd-qs1000000000001", snapshot_name="daily-1",
            source_disk_type="system", description="nightly"))
        snapshot_id = created.body.snapshot_id
        self.assertRegex(snapshot_id, r"^s-[a-z0-9]{20}$")
        self.assertTrue(created.body.request_id)
        describe = ecd_models.DescribeSnapshotsRequest(region_id="cn-hangzhou", snapshot_id=snapshot_id, max_results=100)
        snapshot = client.describe_snapshots(describe).body.snapshots[0]
        self.assertEqual(snapshot.status, "PROGRESSING")
        self.assertEqual(snapshot.source_disk_type, "SYSTEM")
        self.assertTrue(snapshot.progress.endswith("%"))
        self.assertAlibabaError("IncorrectDiskStatus.CreatingSnapshot", client.create_snapshot, ecd_models.CreateSnapshotRequest(
            region_id="cn-hangzhou", desktop_id="ecd-qs1000000000001", snapshot_name="daily-2", source_disk_type="SYSTEM"))
        wait_until(lambda: client.describe_snapshots(describe).body.snapshots[0].status == "ACCOMPLISHED")
        self.assertEqual(client.describe_snapshots(describe).body.snapshots[0].progress, "100%")
        client.delete_snapshot(ecd_models.DeleteSnapshotRequest(region_id="cn-hangzhou", snapshot_id=[snapshot_id]))
        self.assertEqual(client.describe_snapshots(describe).body.snapshots, [])

    def test_lifecycle_signature_v3(self):
        self.run_lifecycle(ecd())

    def test_lifecycle_signature_v1(self):
        self.run_lifecycle(ecd(algorithm="v2"))

    def test_errors(self):
        client = ecd()
        self.assertAlibabaError("IncorrectDesktopStatus", client.create_snapshot, ecd_models.CreateSnapshotRequest(
            region_id="cn-hangzhou", desktop_id="ecd-qs1000000000003", snapshot_name="daily-1", source_disk_type="system"))
        self.assertAlibabaError("InvalidDesktopId.NotFound", client.create_snapshot, ecd_models.CreateSnapshotRequest(
            region_id="cn-hangzhou", desktop_id="ecd-nope", snapshot_name="daily-1", source_disk_type="system"))
        self.assertAlibabaError("InvalidParameter.SnapshotName", client.create_snapshot, ecd_models.CreateSnapshotRequest(
            region_id="cn-hangzhou", desktop_id="ecd-qs1000000000002", snapshot_name="auto-1", source_disk_type="system"))
        self.assertAlibabaError("InvalidParameter.SnapshotId", client.delete_snapshot, ecd_models.DeleteSnapshotRequest(
            region_id="cn-hangzhou", snapshot_id=[f"s-{n:020d}" for n in range(101)]))


class EnsSnapshotTest(EmulatorTestCase):
    def test_lifecycle(self):
        client = ens()
        disks = client.describe_disks(ens_models.DescribeDisksRequest(ens_region_id="cn-shenzhen-3"))
        self.assertEqual(disks.body.total_count, 2)
        self.assertEqual(disks.body.disks.disks[0].disk_id, "d-qs10000000000000001")
        created = client.create_snapshot(ens_models.CreateSnapshotRequest(
            disk_id="d-qs10000000000000001", ens_region_id="cn-shenzhen-3", snapshot_name="edge-1", description="weekly"))
        ids = created.body.snap_shot_id
        self.assertEqual(len(ids), 1)
        snapshot_id = ids[0]
        self.assertTrue(created.body.order_id)
        describe = ens_models.DescribeSnapshotsRequest(snapshot_id=json.dumps([snapshot_id, "sp-missing"]), page_size=100)
        snapshot = client.describe_snapshots(describe).body.snapshots[0]
        self.assertEqual(snapshot.status, "creating")
        self.assertEqual(snapshot.source_disk_id, "d-qs10000000000000001")
        self.assertAlibabaError("DISK_SNAPSHOT_STATUS_NOT_MATCH", client.delete_snapshot, ens_models.DeleteSnapshotRequest(snapshot_id=snapshot_id))
        client.modify_snapshot_attribute(ens_models.ModifySnapshotAttributeRequest(snapshot_id=snapshot_id, snapshot_name="edge-renamed", description="monthly"))
        wait_until(lambda: client.describe_snapshots(describe).body.snapshots[0].status == "available")
        snapshot = client.describe_snapshots(describe).body.snapshots[0]
        self.assertEqual((snapshot.snapshot_name, snapshot.description), ("edge-renamed", "monthly"))
        client.delete_snapshot(ens_models.DeleteSnapshotRequest(snapshot_id=snapshot_id))
        wait_until(lambda: client.describe_snapshots(describe).body.snapshots == [])

    def test_errors(self):
        client = ens()
        self.assertAlibabaError("InvalidParameter.SnapshotName", client.create_snapshot, ens_models.CreateSnapshotRequest(
            disk_id="d-qs10000000000000001", ens_region_id="cn-shenzhen-3", snapshot_name="http://x"))
        self.assertAlibabaError("InvalidDiskId.NotFound", client.create_snapshot, ens_models.CreateSnapshotRequest(
            disk_id="d-qs10000000000000001", ens_region_id="cn-beijing-15"))
        self.assertAlibabaError("ERROR_SNAPSHOT_NOT_FOUND", client.delete_snapshot, ens_models.DeleteSnapshotRequest(snapshot_id="sp-nope"))
        self.assertAlibabaError("SnapshotIdNotFound", client.modify_snapshot_attribute, ens_models.ModifySnapshotAttributeRequest(snapshot_id="sp-nope", snapshot_name="abc"))


class AuthTest(EmulatorTestCase):
    def test_tencent_wrong_secret_key(self):
        self.assertTencentError("AuthFailure.SignatureFailure", tc_call, cbs(key="wrong"), "DescribeDisks", cbs_models, {})

    def test_tencent_unknown_secret_id(self):
        self.assertTencentError("AuthFailure.SecretIdNotFound", tc_call, cbs(secret_id="AKIDunknown"), "DescribeDisks", cbs_models, {})

    def test_alibaba_wrong_secret(self):
        request = ecd_models.DescribeDesktopsRequest(region_id="cn-hangzhou")
        error = self.assertAlibabaError("SignatureDoesNotMatch", ecd(secret="wrong").describe_desktops, request)
        self.assertEqual(error.status_code, 400)
        self.assertAlibabaError("SignatureDoesNotMatch", ecd(secret="wrong", algorithm="v2").describe_desktops, request)

    def test_alibaba_unknown_key(self):
        request = ens_models.DescribeSnapshotsRequest()
        self.assertAlibabaError("InvalidAccessKeyId.NotFound", ens(key_id="LTAIunknown").describe_snapshots, request)


class ThrottlingTest(EmulatorTestCase):
    # The emulator allows 20 requests per second per action: calls in a tight loop hit the limit
    # long before 200, however slow the machine, as long as one call takes under 50 ms.
    def test_tencent_request_limit_exceeded(self):
        client = cbs(region="ap-shanghai")
        caught = None
        for _ in range(200):
            try:
                tc_call(client, "DescribeDiskBackups", cbs_models, {})
            except TencentCloudSDKException as error:
                caught = error
                break
        self.assertIsNotNone(caught, "no RequestLimitExceeded raised")
        self.assertEqual(caught.get_code(), "RequestLimitExceeded")
        self.assertTrue(caught.get_request_id())
        stats = control("GET", "stats")
        self.assertGreaterEqual(stats["throttled"]["cbs.DescribeDiskBackups"], 1)

    def test_alibaba_throttling(self):
        client = ens()
        caught = None
        for _ in range(200):
            try:
                client.describe_disks(ens_models.DescribeDisksRequest(ens_region_id="cn-beijing-15"))
            except open_api_exceptions.ThrottlingException as error:
                caught = error
                break
        self.assertIsNotNone(caught, "no ThrottlingException raised")
        self.assertEqual(caught.code, "Throttling.User")
        self.assertEqual(caught.status_code, 400)
        self.assertTrue(caught.request_id)


CA_FILE = os.environ.get("SNAPFORM_EMULATOR_CA_FILE")


@unittest.skipUnless(CA_FILE, "SNAPFORM_EMULATOR_CA_FILE names no CA: the emulator serves no https")
class HttpsTest(EmulatorTestCase):
    """The same port over https, each SDK trusting the emulator's CA the way the banner says."""

    def test_tencent_sdk_with_the_ca_as_its_certification(self):
        # The Tencent SDK reads no CA variable; its HttpProfile takes the bundle to verify with.
        profile = ClientProfile(httpProfile=HttpProfile(protocol="https", endpoint=ENDPOINT, certification=CA_FILE))
        client = cbs_client.CbsClient(credential.Credential(TC_ID, TC_KEY), "ap-guangzhou", profile)
        disks = tc_call(client, "DescribeDisks", cbs_models, {"DiskIds": ["disk-qs100001"]})
        self.assertEqual(disks.TotalCount, 1)
        untrusting = ClientProfile(httpProfile=HttpProfile(protocol="https", endpoint=ENDPOINT))
        client = cbs_client.CbsClient(credential.Credential(TC_ID, TC_KEY), "ap-guangzhou", untrusting)
        with self.assertRaises(TencentCloudSDKException) as caught:
            tc_call(client, "DescribeDisks", cbs_models, {})
        self.assertEqual(caught.exception.get_code(), "ClientNetworkError")
        self.assertIn("CERTIFICATE_VERIFY_FAILED", caught.exception.get_message())

    def test_alibaba_sdk_with_ssl_cert_file(self):
        previous = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = CA_FILE
        try:
            for algorithm in (None, "v2"):
                config = ali_config(algorithm=algorithm)
                config.protocol = "https"
                desktops = EcdClient(config).describe_desktops(ecd_models.DescribeDesktopsRequest(region_id="cn-hangzhou"))
                self.assertGreaterEqual(len(desktops.body.desktops), 3)
        finally:
            if previous is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = previous

    def test_python_requests_with_requests_ca_bundle(self):
        import requests

        previous = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = CA_FILE
        try:
            self.assertEqual(requests.get(f"https://{ENDPOINT}/_emulator/health", timeout=10).json(), {"status": "ok"})
        finally:
            if previous is None:
                os.environ.pop("REQUESTS_CA_BUNDLE", None)
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = previous


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"conformance: {passed} passed, {failed} failed")
    raise SystemExit(0 if failed == 0 and result.testsRun > 0 else 1)

"""Conformance of the official Tencent Cloud CLI, tccli, against the emulator over https.

tccli always speaks https, so it reaches the emulator only through the port's TLS side. Run
through conformance/run.sh, which starts the emulator, sets SNAPFORM_EMULATOR_ENDPOINT
(host:port) and SNAPFORM_TCCLI (the tccli executable), and has added the emulator's CA to the
certifi bundle of tccli's Python: tccli trusts that bundle only and reads no CA variable.
Credentials come from the environment, as a user of tccli sets them; HOME is a temporary
directory, so no tccli profile is read or written.
"""

import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.request

ENDPOINT = os.environ.get("SNAPFORM_EMULATOR_ENDPOINT", "127.0.0.1:4566")
TCCLI = os.environ.get("SNAPFORM_TCCLI", "tccli")


def control(method, path):
    request = urllib.request.Request(f"http://{ENDPOINT}/_emulator/{path}", method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


class Tccli:
    def __init__(self, home):
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,
            "TENCENTCLOUD_SECRET_ID": "AKIDsnapformEmulatorTestKey0000001",
            "TENCENTCLOUD_SECRET_KEY": "snapformEmulatorTencentSecretKey",
            "TENCENTCLOUD_REGION": "ap-guangzhou",
        }

    def run(self, service, action, **params):
        """Runs `tccli SERVICE ACTION --endpoint HOST:PORT --Name value ...`."""
        command = [TCCLI, service, action, "--endpoint", ENDPOINT]
        for name, value in params.items():
            command += [f"--{name}", value if isinstance(value, str) else json.dumps(value)]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=60)

    def ok(self, service, action, **params):
        done = self.run(service, action, **params)
        if done.returncode != 0:
            raise AssertionError(f"tccli {service} {action} failed:\n{done.stdout}{done.stderr}")
        return json.loads(done.stdout)

    def error(self, service, action, **params):
        done = self.run(service, action, **params)
        if done.returncode == 0:
            raise AssertionError(f"tccli {service} {action} should fail:\n{done.stdout}")
        return done.stdout + done.stderr


def wait_until(check, timeout=8.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError("condition not reached in time")


class TccliTest(unittest.TestCase):
    def setUp(self):
        control("POST", "reset")
        self.home = tempfile.TemporaryDirectory()
        self.tccli = Tccli(self.home.name)

    def tearDown(self):
        self.home.cleanup()

    def test_cbs_disk_backup_lifecycle_over_https(self):
        disks = self.tccli.ok("cbs", "DescribeDisks", DiskIds=["disk-qs100001"])
        self.assertEqual(disks["TotalCount"], 1)
        self.assertEqual(disks["DiskSet"][0]["InstanceId"], "ins-qs100001")

        created = self.tccli.ok("cbs", "CreateDiskBackup", DiskId="disk-qs100001", DiskBackupName="from-tccli")
        backup_id = created["DiskBackupId"]
        self.assertRegex(backup_id, r"^dbp-[a-z0-9]{8}$")
        self.assertTrue(created["RequestId"])

        described = self.tccli.ok("cbs", "DescribeDiskBackups", DiskBackupIds=[backup_id])
        self.assertEqual(described["TotalCount"], 1)
        backup = described["DiskBackupSet"][0]
        self.assertEqual((backup["DiskId"], backup["DiskBackupName"]), ("disk-qs100001", "from-tccli"))
        self.assertEqual(backup["DiskBackupState"], "CREATING")

        self.assertIn("ResourceBusy", self.tccli.error("cbs", "DeleteDiskBackups", DiskBackupIds=[backup_id]))

        def state():
            return self.tccli.ok("cbs", "DescribeDiskBackups", DiskBackupIds=[backup_id])["DiskBackupSet"][0]["DiskBackupState"]

        wait_until(lambda: state() == "NORMAL")
        deleted = self.tccli.ok("cbs", "DeleteDiskBackups", DiskBackupIds=[backup_id])
        self.assertTrue(deleted["RequestId"])
        wait_until(lambda: self.tccli.ok("cbs", "DescribeDiskBackups", DiskBackupIds=[backup_id])["TotalCount"] == 0)

    def test_lighthouse_instance_snapshot_over_https(self):
        created = self.tccli.ok("lighthouse", "CreateInstanceSnapshot", InstanceId="lhins-qs100001", SnapshotName="from-tccli")
        snapshot_id = created["SnapshotId"]
        self.assertRegex(snapshot_id, r"^lhsnap-[a-z0-9]{8}$")
        resource = control("GET", f"resources/{snapshot_id}")
        self.assertEqual((resource["type"], resource["name"]), ("lighthouse_snapshot", "from-tccli"))
        self.assertIn("ResourceNotFound.InstanceIdNotFound", self.tccli.error("lighthouse", "CreateInstanceSnapshot", InstanceId="lhins-zz999999"))

    def test_wrong_credentials_are_refused(self):
        self.tccli.env["TENCENTCLOUD_SECRET_KEY"] = "wrong"
        self.assertIn("AuthFailure.SignatureFailure", self.tccli.error("cbs", "DescribeDisks"))


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"tccli conformance: {passed} passed, {failed} failed")
    raise SystemExit(0 if failed == 0 and result.testsRun > 0 else 1)

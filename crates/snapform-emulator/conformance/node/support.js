// What every Node.js conformance test shares: the emulator's address and keys, the official
// clients configured as their docs show with only the endpoint changed, the control API, and
// helpers to wait for a state and to catch an SDK's error.
//
// ../run.sh sets SNAPFORM_EMULATOR_ENDPOINT (host:port) and, for https, NODE_EXTRA_CA_CERTS to
// the emulator's CA file.

"use strict";

const assert = require("node:assert/strict");

const tencentcloud = require("tencentcloud-sdk-nodejs-common");
const OpenApi = require("@alicloud/openapi-client");
const OpenApiUtil = require("@alicloud/openapi-util").default;
const Util = require("@alicloud/tea-util");
const PopCore = require("@alicloud/pop-core");

const ENDPOINT = process.env.SNAPFORM_EMULATOR_ENDPOINT || "127.0.0.1:4566";
const TC_ID = "AKIDsnapformEmulatorTestKey0000001";
const TC_KEY = "snapformEmulatorTencentSecretKey";
const ALI_ID = "LTAIsnapformEmulatorTestKey";
const ALI_SECRET = "snapformEmulatorAlicloudSecretKey";

const VERSIONS = { cbs: "2017-03-12", lighthouse: "2020-03-24", ecd: "2020-09-30", ens: "2017-11-10" };

/** A control API call (never signed); answers the parsed JSON. */
async function control(method, path, body) {
  const response = await fetch(`http://${ENDPOINT}/_emulator/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** Back to the configured inventory with no snapshots, no counters and no rate buckets. */
function reset() {
  return control("POST", "reset");
}

/**
 * A Tencent `CommonClient` for `service` ("cbs" or "lighthouse"), as the SDK's docs show:
 * the real endpoint name replaced by the emulator's `host:port`. The SDK then signs the
 * scope's service as `127` and the host without its port; the emulator takes both.
 */
function tencent(service, { region = "ap-guangzhou", secretId = TC_ID, secretKey = TC_KEY, https = false } = {}) {
  return new tencentcloud.CommonClient(`${service}.tencentcloudapi.com`, VERSIONS[service], {
    credential: { secretId, secretKey },
    region,
    profile: {
      httpProfile: { endpoint: ENDPOINT, protocol: https ? "https://" : "http://", reqTimeout: 10 },
    },
  });
}

/**
 * An `@alicloud/openapi-client` generic client, as the "generic call" docs show. The default
 * signs with ACS3-HMAC-SHA256; `signatureAlgorithm: "v2"` signs RPC V1 (HMAC-SHA1).
 */
function openapi({ accessKeyId = ALI_ID, accessKeySecret = ALI_SECRET, signatureAlgorithm, https = false } = {}) {
  const config = new OpenApi.Config({ accessKeyId, accessKeySecret });
  config.endpoint = ENDPOINT;
  config.protocol = https ? "https" : "http";
  if (signatureAlgorithm) {
    config.signatureAlgorithm = signatureAlgorithm;
  }
  const client = new OpenApi.default(config);
  return {
    /** Calls `action` of `service` ("ecd" or "ens") and answers the response body. */
    async call(service, action, queries) {
      const params = new OpenApi.Params({
        action,
        version: VERSIONS[service],
        protocol: "HTTPS",
        method: "POST",
        authType: "AK",
        style: "RPC",
        pathname: "/",
        reqBodyType: "json",
        bodyType: "json",
      });
      const request = new OpenApi.OpenApiRequest({ query: OpenApiUtil.query(queries) });
      const response = await client.callApi(params, request, new Util.RuntimeOptions({}));
      assert.equal(response.statusCode, 200);
      return response.body;
    },
  };
}

/** An `@alicloud/pop-core` RPC client for `service`; it signs RPC V1 (HMAC-SHA1). */
function popCore(service, { accessKeyId = ALI_ID, accessKeySecret = ALI_SECRET, https = false } = {}) {
  const client = new PopCore({
    accessKeyId,
    accessKeySecret,
    endpoint: `${https ? "https" : "http"}://${ENDPOINT}`,
    apiVersion: VERSIONS[service],
  });
  return {
    /** Calls `action` with the flat RPC `params` (`Name.1`, ...) over POST or GET. */
    call(action, params, method = "POST") {
      return client.request(action, params, { method, timeout: 10000 });
    },
  };
}

/** Polls `check` until it answers a true value (the emulator runs with --ready-after 1s). */
async function waitUntil(check, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail("condition not reached in time");
}

/** Awaits `promise`, which must fail with the SDK's error of `code`; answers the error. */
async function rejectsWith(promise, code) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected ${code}, the call succeeded`);
}

/** Each SDK reports the request id of an error in its own place. */
function errorRequestId(error) {
  return error.requestId || (error.data && (error.data.RequestId || error.data.requestId));
}

module.exports = {
  ENDPOINT,
  control,
  reset,
  tencent,
  openapi,
  popCore,
  waitUntil,
  rejectsWith,
  errorRequestId,
};

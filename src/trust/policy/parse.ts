/**
 * Parsing policy.json (containers-policy.json(5)) as strictly as containers/image does: unknown
 * fields, unknown requirement or identity types, an empty requirement list, a missing `default`,
 * several key sources, an invalid scope: every one an INVALID_DOCUMENT naming the JSON path.
 * Transports ocikit does not know are kept (their scopes never match), as the Go code keeps them.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { parseReference } from '../../reference/index.ts';
import { decodeJson } from '../../spec/json.ts';
import { decodeBase64 } from '../encoding/base64.ts';
import type { Policy, PolicyRequirement, SignedIdentity } from './types.ts';

/** Largest policy file read. */
export const MAX_POLICY_BYTES = 4 * 1024 * 1024;

class PolicyFormatError extends OciError {
  constructor(path: string, message: string) {
    super(ErrorCode.INVALID_DOCUMENT, `${path === '' ? '' : `${path}: `}${message}`, {
      data: { path, reason: 'invalid-policy' },
    });
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyFormatError(path, 'must be a JSON object');
  }
  return value as Json;
}

function onlyKeys(value: Json, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw new PolicyFormatError(path, `unknown field ${JSON.stringify(key.slice(0, 100))}`);
  }
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new PolicyFormatError(path, 'must be a string');
  return value;
}

function nonEmpty(value: unknown, path: string): string {
  const s = string(value, path);
  if (s === '') throw new PolicyFormatError(path, 'must not be empty');
  return s;
}

/** A domain (`host[:port]`) or a name starting with a domain, as remapIdentity prefixes must be. */
function remapPrefix(value: unknown, path: string): string {
  const s = nonEmpty(value, path);
  const domain =
    /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
  const [first, ...rest] = s.split('/');
  const ok =
    domain.test(s) ||
    (rest.length > 0 &&
      domain.test(first ?? '') &&
      rest.every((c) => /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/.test(c)));
  if (!ok) throw new PolicyFormatError(path, `prefix ${JSON.stringify(s.slice(0, 200))} is not valid`);
  return s;
}

/** Parses a `signedIdentity` (or `baseLayerIdentity`) object. */
export function parseSignedIdentity(value: unknown, path: string): SignedIdentity {
  const o = object(value, path);
  const type = string(o.type, `${path}.type`);
  switch (type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      onlyKeys(o, ['type'], path);
      return { type };
    case 'exactReference': {
      onlyKeys(o, ['type', 'dockerReference'], path);
      const ref = string(o.dockerReference, `${path}.dockerReference`);
      let parsed: ReturnType<typeof parseReference>;
      try {
        parsed = parseReference(ref);
      } catch (err) {
        throw new PolicyFormatError(
          `${path}.dockerReference`,
          `invalid reference: ${(err as Error).message}`,
        );
      }
      if (parsed.tag === undefined && parsed.digest === undefined) {
        throw new PolicyFormatError(
          `${path}.dockerReference`,
          `${JSON.stringify(ref)} has neither a tag nor a digest`,
        );
      }
      return { type, dockerReference: ref };
    }
    case 'exactRepository': {
      onlyKeys(o, ['type', 'dockerRepository'], path);
      const repo = string(o.dockerRepository, `${path}.dockerRepository`);
      try {
        parseReference(repo);
      } catch (err) {
        throw new PolicyFormatError(
          `${path}.dockerRepository`,
          `invalid repository: ${(err as Error).message}`,
        );
      }
      return { type, dockerRepository: repo };
    }
    case 'remapIdentity':
      onlyKeys(o, ['type', 'prefix', 'signedPrefix'], path);
      return {
        type,
        prefix: remapPrefix(o.prefix, `${path}.prefix`),
        signedPrefix: remapPrefix(o.signedPrefix, `${path}.signedPrefix`),
      };
    default:
      throw new PolicyFormatError(
        `${path}.type`,
        `unknown signedIdentity type ${JSON.stringify(type.slice(0, 100))}`,
      );
  }
}

function keyData(value: unknown, path: string): Buffer {
  try {
    return decodeBase64(value, path, { maxBytes: MAX_POLICY_BYTES });
  } catch (err) {
    throw new PolicyFormatError(path, (err as Error).message);
  }
}

/** The `signedIdentity` of a requirement; `matchRepoDigestOrExact` when absent. */
function identityOrDefault(value: unknown, path: string): SignedIdentity {
  if (value === undefined) return { type: 'matchRepoDigestOrExact' };
  return parseSignedIdentity(value, `${path}.signedIdentity`);
}

/** Parses one requirement object. */
export function parseRequirement(value: unknown, path: string): PolicyRequirement {
  const o = object(value, path);
  const type = string(o.type, `${path}.type`);
  switch (type) {
    case 'insecureAcceptAnything':
    case 'reject':
      onlyKeys(o, ['type'], path);
      return { type };
    case 'signedBy': {
      onlyKeys(o, ['type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity'], path);
      const keyType = string(o.keyType, `${path}.keyType`);
      if (keyType !== 'GPGKeys') {
        throw new PolicyFormatError(
          `${path}.keyType`,
          `keyType ${JSON.stringify(keyType.slice(0, 100))} is not supported (only "GPGKeys")`,
        );
      }
      const sources = ['keyPath', 'keyPaths', 'keyData'].filter((k) => o[k] !== undefined);
      if (sources.length !== 1) {
        throw new PolicyFormatError(path, 'exactly one of keyPath, keyPaths and keyData must be specified');
      }
      const req: PolicyRequirement = {
        type,
        keyType,
        signedIdentity: identityOrDefault(o.signedIdentity, path),
      };
      if (o.keyPath !== undefined) req.keyPath = nonEmpty(o.keyPath, `${path}.keyPath`);
      if (o.keyPaths !== undefined) {
        if (!Array.isArray(o.keyPaths) || o.keyPaths.length === 0) {
          throw new PolicyFormatError(`${path}.keyPaths`, 'must be a non-empty array of paths');
        }
        req.keyPaths = o.keyPaths.map((p, i) => nonEmpty(p, `${path}.keyPaths[${i}]`));
      }
      if (o.keyData !== undefined) req.keyData = keyData(o.keyData, `${path}.keyData`);
      return req;
    }
    case 'sigstoreSigned': {
      onlyKeys(o, ['type', 'keyPath', 'keyData', 'signedIdentity'], path);
      const sources = ['keyPath', 'keyData'].filter((k) => o[k] !== undefined);
      if (sources.length !== 1)
        throw new PolicyFormatError(path, 'exactly one of keyPath and keyData must be specified');
      const req: PolicyRequirement = { type, signedIdentity: identityOrDefault(o.signedIdentity, path) };
      if (o.keyPath !== undefined) req.keyPath = nonEmpty(o.keyPath, `${path}.keyPath`);
      if (o.keyData !== undefined) req.keyData = keyData(o.keyData, `${path}.keyData`);
      return req;
    }
    case 'signedBaseLayer':
      onlyKeys(o, ['type', 'baseLayerIdentity'], path);
      if (o.baseLayerIdentity === undefined)
        throw new PolicyFormatError(path, 'baseLayerIdentity not specified');
      return {
        type,
        baseLayerIdentity: parseSignedIdentity(o.baseLayerIdentity, `${path}.baseLayerIdentity`),
      };
    default:
      throw new PolicyFormatError(
        `${path}.type`,
        `unknown policy requirement type ${JSON.stringify(type.slice(0, 100))}`,
      );
  }
}

function requirements(value: unknown, path: string): PolicyRequirement[] {
  if (!Array.isArray(value)) throw new PolicyFormatError(path, 'must be an array of requirements');
  if (value.length === 0) throw new PolicyFormatError(path, 'the list of requirements must not be empty');
  return value.map((r, i) => parseRequirement(r, `${path}[${i}]`));
}

/** Path-based transports, whose scopes must be absolute, clean paths other than `/`. */
const PATH_TRANSPORTS = new Set(['oci', 'oci-archive', 'docker-archive', 'dir']);

function checkScope(transport: string, scope: string, path: string): void {
  if (scope === '' || !PATH_TRANSPORTS.has(transport)) return;
  const clean = scope.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  if (!scope.startsWith('/') || scope === '/' || clean !== scope || /(^|\/)\.\.?(\/|$)/.test(scope)) {
    throw new PolicyFormatError(
      path,
      `invalid scope ${JSON.stringify(scope.slice(0, 200))}: it must be an absolute, clean path other than "/"`,
    );
  }
}

/**
 * Parses policy.json bytes (`what` names the file in messages). INVALID_DOCUMENT (with the
 * path of the problem) or TOO_LARGE; never any other error.
 */
export function parsePolicy(bytes: Uint8Array, what = 'policy.json'): Policy {
  let value: unknown;
  try {
    value = decodeJson(bytes, MAX_POLICY_BYTES, what);
  } catch (err) {
    const code = err instanceof OciError ? err.code : ErrorCode.INVALID_DOCUMENT;
    const message = (err as Error).message;
    throw new OciError(code, message.startsWith(what) ? message : `${what}: ${message}`, { cause: err });
  }
  try {
    const root = object(value, '');
    onlyKeys(root, ['default', 'transports'], '');
    if (root.default === undefined) throw new PolicyFormatError('', 'the default policy is missing');
    const policy: Policy = { default: requirements(root.default, 'default'), transports: new Map() };
    if (root.transports !== undefined) {
      for (const [transport, scopes] of Object.entries(object(root.transports, 'transports'))) {
        const map = new Map<string, PolicyRequirement[]>();
        for (const [scope, reqs] of Object.entries(object(scopes, `transports.${transport}`))) {
          const path = `transports.${transport}[${JSON.stringify(scope.slice(0, 200))}]`;
          checkScope(transport, scope, path);
          map.set(scope, requirements(reqs, path));
        }
        policy.transports.set(transport, map);
      }
    }
    return policy;
  } catch (err) {
    if (err instanceof PolicyFormatError) {
      throw new OciError(ErrorCode.INVALID_DOCUMENT, `${what}: ${err.message}`, {
        data: err.data,
        cause: err,
      });
    }
    throw err;
  }
}

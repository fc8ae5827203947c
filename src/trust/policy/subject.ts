/**
 * What a policy is evaluated for: the transport and scopes of an image name, its Docker
 * reference when it has one, as containers/image computes `PolicyConfigurationIdentity` and
 * `PolicyConfigurationNamespaces` per transport.
 */
import { realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Reference, withDefaultTag } from '../../reference/index.ts';
import { transportOf } from '../../transports/index.ts';
import { parseLayoutReference } from '../../transports/layout/index.ts';
import { dockerIdentity, dockerNamespaces } from '../scopes/docker.ts';

/** The names a policy looks an image up by. */
export interface PolicySubject {
  /** The policy.json transport name: `docker`, `oci`, `oci-archive`, `docker-archive`. */
  transport: string;
  /** The most specific scope. */
  identity: string;
  /** Less specific scopes, most specific first. */
  namespaces: string[];
  /** The registry reference (with `latest` when no tag was given); undefined for files. */
  dockerReference?: Reference;
}

async function resolvedPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    return absolute;
  }
}

function parents(path: string): string[] {
  const out: string[] = [];
  for (let p = path; p !== '/' && p !== '.'; p = dirname(p)) out.push(p);
  return out;
}

/** The subject of the image name `name` (`docker://REF`, a bare reference, `oci:DIR[:TAG]`, an archive). */
export async function policySubject(name: string): Promise<PolicySubject> {
  const { label, reference } = transportOf(name);
  if (label === 'registry' || label === 'docker') {
    const { parseRegistryReference } = await import('../../transports/registry/index.ts');
    const ref = withDefaultTag(parseRegistryReference(reference));
    return {
      transport: 'docker',
      identity: dockerIdentity(ref),
      namespaces: dockerNamespaces(ref),
      dockerReference: ref,
    };
  }
  if (label === 'oci') {
    const ref = parseLayoutReference(reference);
    const dir = await resolvedPath(ref.dir);
    const image = ref.tag ?? ref.digest;
    return {
      transport: 'oci',
      identity: image !== undefined ? `${dir}:${image}` : dir,
      namespaces: parents(dir),
    };
  }
  const file = await resolvedPath(reference.replace(/:.*$/, ''));
  return { transport: label, identity: file, namespaces: parents(file) };
}

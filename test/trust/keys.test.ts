/**
 * Keys as cosign makes and reads them: the encrypted private key format (scrypt + NaCl secretbox
 * around PKCS#8), PEM public keys, checked against an independent Go implementation on the same
 * libraries cosign uses and against openssl; and the refusals (wrong password, other key types
 * and curves, envelopes that ask for other algorithms or costs, files that are not keys).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import {
  encryptPrivateKey,
  generateKeyPair,
  keySigner,
  publicKeyPem,
  readPrivateKey,
  readPublicKey,
  sealWithPassword,
  verifyDer,
} from '../../src/trust/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { goKeyPeer, p256 } from './helpers.ts';

const code = (expected: string) => (err: unknown) => isOciError(err) && err.code === expected;

/** The JSON envelope of an encrypted key, loosely typed so tests can break it. */
interface Envelope {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt?: string };
  cipher: { name: string; nonce: string };
  ciphertext: unknown;
}

/** The JSON envelope inside an encrypted key PEM. */
function envelopeOf(pem: string): Envelope {
  const body = pem
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('-----'))
    .join('');
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
}

/** `pem` with its envelope replaced by `change(envelope)`. */
function withEnvelope(pem: string, change: (envelope: Envelope) => void): string {
  const envelope = envelopeOf(pem);
  change(envelope);
  const body = Buffer.from(JSON.stringify(envelope)).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${body}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
}

test('a generated key pair is in cosign format and reads back with its password', async () => {
  const pair = await generateKeyPair('correct horse');
  assert.match(pair.privateKey, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  assert.match(pair.publicKey, /^-----BEGIN PUBLIC KEY-----\n/);
  const envelope = envelopeOf(pair.privateKey);
  assert.deepEqual(Object.keys(envelope), ['kdf', 'cipher', 'ciphertext']);
  assert.deepEqual(envelope.kdf.params, { N: 65536, r: 8, p: 1 });
  assert.equal(envelope.kdf.name, 'scrypt');
  assert.equal(Buffer.from(envelope.kdf.salt ?? '', 'base64').byteLength, 32);
  assert.equal(envelope.cipher.name, 'nacl/secretbox');
  assert.equal(Buffer.from(envelope.cipher.nonce, 'base64').byteLength, 24);

  const key = await readPrivateKey(pair.privateKey, 'correct horse');
  assert.equal(publicKeyPem(key), pair.publicKey);
  const signature = await keySigner(key).sign(Buffer.from('payload'));
  assert.ok(verifyDer(readPublicKey(pair.publicKey), Buffer.from('payload'), signature));
});

test('an empty password is a password, as cosign allows', async () => {
  const pair = await generateKeyPair('');
  await readPrivateKey(pair.privateKey, '');
  await assert.rejects(readPrivateKey(pair.privateKey, 'x'), code(ErrorCode.WRONG_PASSWORD));
});

test('keys written by the Go libraries cosign uses are read, and Go reads and uses ocikit keys', async (t) => {
  const dir = await scratch(t);
  const go = await goKeyPeer(dir);
  // Go → ocikit: a key written by Go signs here; Go verifies with its own public key.
  await go(['generate', 'from go', join(dir, 'go.key'), join(dir, 'go.pub')]);
  const goKey = await readPrivateKey(await readFile(join(dir, 'go.key')), 'from go');
  assert.equal(publicKeyPem(goKey), await readFile(join(dir, 'go.pub'), 'utf8'));
  const payload = join(dir, 'payload');
  await writeFile(payload, '{"critical":{}}');
  const signature = Buffer.from(await keySigner(goKey).sign(await readFile(payload))).toString('base64');
  await go(['verify', join(dir, 'go.pub'), payload, signature]);
  // ocikit → Go: Go opens an ocikit key with its password and signs; ocikit verifies.
  const pair = await generateKeyPair('from ocikit');
  await writeFile(join(dir, 'ocikit.key'), pair.privateKey);
  const goSignature = (await go(['sign', join(dir, 'ocikit.key'), 'from ocikit', payload])).trim();
  assert.ok(
    verifyDer(readPublicKey(pair.publicKey), await readFile(payload), Buffer.from(goSignature, 'base64')),
  );
  await assert.rejects(go(['sign', join(dir, 'ocikit.key'), 'wrong', payload]), /wrong password/);
});

test('openssl reads the public key and verifies what the key signs', async (t) => {
  const dir = await scratch(t);
  const pair = await generateKeyPair('pw');
  await writeFile(join(dir, 'cosign.pub'), pair.publicKey);
  const text = await run('openssl', ['pkey', '-pubin', '-in', join(dir, 'cosign.pub'), '-noout', '-text']);
  assert.match(text, /NIST CURVE: P-256|prime256v1/);
  const data = Buffer.from('{"critical":{"type":"cosign container image signature"}}');
  await writeFile(join(dir, 'data'), data);
  await writeFile(join(dir, 'sig'), await keySigner(await readPrivateKey(pair.privateKey, 'pw')).sign(data));
  const out = await run('openssl', [
    'dgst',
    '-sha256',
    '-verify',
    join(dir, 'cosign.pub'),
    '-signature',
    join(dir, 'sig'),
    join(dir, 'data'),
  ]);
  assert.match(out, /Verified OK/);
});

test('a wrong password is WRONG_PASSWORD, and so is a changed ciphertext', async () => {
  const pair = await generateKeyPair('right');
  await assert.rejects(readPrivateKey(pair.privateKey, 'wrong'), (err: unknown) => {
    assert.ok(isOciError(err, ErrorCode.WRONG_PASSWORD));
    assert.match(err.message, /password/);
    return true;
  });
  const flipped = withEnvelope(pair.privateKey, (e) => {
    const bytes = Buffer.from(e.ciphertext as string, 'base64');
    bytes[20] = (bytes[20] as number) ^ 1;
    e.ciphertext = bytes.toString('base64');
  });
  await assert.rejects(readPrivateKey(flipped, 'right'), code(ErrorCode.WRONG_PASSWORD));
});

test('the older ENCRYPTED COSIGN PRIVATE KEY label is read; an unencrypted PKCS#8 key too', async () => {
  const pair = await generateKeyPair('pw');
  const older = pair.privateKey.replaceAll('ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY');
  assert.equal(publicKeyPem(await readPrivateKey(older, 'pw')), pair.publicKey);
  const { privateKey } = p256();
  const plain = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.equal(publicKeyPem(await readPrivateKey(plain, '')), publicKeyPem(privateKey));
});

test('keys of another type or curve are UNSUPPORTED, encrypted or not, private or public', async () => {
  const others = {
    'P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    secp256k1: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
    RSA: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    Ed25519: generateKeyPairSync('ed25519'),
  };
  for (const [name, pair] of Object.entries(others)) {
    const der = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
    const sealed = await sealWithPassword(der, 'pw', { N: 32768, r: 8, p: 1 });
    const body = sealed.toString('base64').replace(/.{64}/g, '$&\n');
    const encrypted = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${body}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    await assert.rejects(readPrivateKey(encrypted, 'pw'), code(ErrorCode.UNSUPPORTED), name);
    const plain = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await assert.rejects(readPrivateKey(plain, ''), code(ErrorCode.UNSUPPORTED), name);
    const pub = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => readPublicKey(pub), code(ErrorCode.UNSUPPORTED), name);
    assert.throws(() => keySigner(pair.privateKey), code(ErrorCode.UNSUPPORTED), name);
    await assert.rejects(encryptPrivateKey(pair.privateKey, 'pw'), code(ErrorCode.UNSUPPORTED), name);
  }
});

test('envelopes asking for another KDF, cipher or scrypt cost are refused before any work', async () => {
  const pair = await generateKeyPair('pw');
  const cases: [string, (e: Envelope) => void][] = [
    ['N = 2^30', (e) => (e.kdf.params.N = 2 ** 30)],
    ['r = 1', (e) => (e.kdf.params.r = 1)],
    ['p = 64', (e) => (e.kdf.params.p = 64)],
    ['pbkdf2', (e) => (e.kdf.name = 'pbkdf2')],
    ['aes-gcm', (e) => (e.cipher.name = 'aes-gcm')],
    ['a 12-byte nonce', (e) => (e.cipher.nonce = Buffer.alloc(12).toString('base64'))],
  ];
  for (const [name, change] of cases) {
    await assert.rejects(
      readPrivateKey(withEnvelope(pair.privateKey, change), 'pw'),
      code(ErrorCode.UNSUPPORTED),
      name,
    );
  }
  const malformed: [string, (e: Envelope) => void][] = [
    ['no salt', (e) => delete e.kdf.salt],
    ['a number for ciphertext', (e) => (e.ciphertext = 7)],
    ['bad base64', (e) => (e.cipher.nonce = 'not*base64')],
    ['a short ciphertext', (e) => (e.ciphertext = 'AAAA')],
  ];
  for (const [name, change] of malformed) {
    await assert.rejects(
      readPrivateKey(withEnvelope(pair.privateKey, change), 'pw'),
      code(ErrorCode.INVALID_ARGUMENT),
      name,
    );
  }
});

test('files that are not the key asked for are refused with what they are', async () => {
  const pair = await generateKeyPair('pw');
  await assert.rejects(readPrivateKey(pair.publicKey, 'pw'), (err: unknown) => {
    assert.ok(isOciError(err, ErrorCode.INVALID_ARGUMENT));
    assert.match(err.message, /public key/);
    return true;
  });
  assert.throws(
    () => readPublicKey(pair.privateKey),
    (err: unknown) => {
      assert.ok(isOciError(err, ErrorCode.INVALID_ARGUMENT));
      assert.match(err.message, /private key/);
      return true;
    },
  );
  for (const text of [
    '',
    'hello',
    '-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n',
    pair.publicKey.slice(0, 60),
  ]) {
    assert.throws(() => readPublicKey(text), code(ErrorCode.INVALID_ARGUMENT), JSON.stringify(text));
  }
  const mismatched = pair.publicKey.replace('END PUBLIC KEY', 'END PRIVATE KEY');
  assert.throws(() => readPublicKey(mismatched), code(ErrorCode.INVALID_ARGUMENT));
  const notSpki = `-----BEGIN PUBLIC KEY-----\n${Buffer.from('not a key').toString('base64')}\n-----END PUBLIC KEY-----\n`;
  assert.throws(() => readPublicKey(notSpki), code(ErrorCode.INVALID_ARGUMENT));
  assert.throws(() => readPublicKey(`${pair.publicKey}\n${' '.repeat(70_000)}`), code(ErrorCode.TOO_LARGE));
  await assert.rejects(
    readPrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', ''),
    code(ErrorCode.UNSUPPORTED),
  );
  const legacy =
    '-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END EC PRIVATE KEY-----\n';
  await assert.rejects(readPrivateKey(legacy, 'pw'), code(ErrorCode.INVALID_ARGUMENT));
});

test('a signature by another key does not verify', () => {
  const a = p256();
  const b = p256();
  const data = Buffer.from('data');
  const signature = sign('sha256', data, a.privateKey);
  assert.ok(verifyDer(a.publicKey, data, signature));
  assert.ok(!verifyDer(b.publicKey, data, signature));
  assert.ok(!verifyDer(a.publicKey, Buffer.from('datb'), signature));
  assert.ok(!verifyDer(a.publicKey, data, Buffer.from('not DER')));
});

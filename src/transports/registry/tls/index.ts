/**
 * TLS for registries as skopeo and containers/image set it up: per-host certs.d folders or one
 * `--cert-dir`, extra CAs, client certificates, verification on or off, and failures explained.
 */
export {
  type CertFolder,
  type ClientCertificate,
  defaultCertsDirectories,
  perHostCertDir,
  readCertFolder,
} from './certs-dir.ts';
export {
  type Connector,
  httpsSecureContext,
  type RecordingConnector,
  recordingConnector,
} from './connector.ts';
export {
  httpsOnlyFailure,
  isHttpsOnlyAnswer,
  type TlsFailureContext,
  type TlsFailureKind,
  tlsFailure,
} from './failures.ts';
export { loadRegistryTls, type RegistryTls, type RegistryTlsOptions } from './settings.ts';

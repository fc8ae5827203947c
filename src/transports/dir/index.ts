/** The `dir:` transport: skopeo's folder format (`manifest.json`, `version`, blobs named by hex). */
export { blobFile, DIR_VERSION, digestHex, MANIFEST_FILE, manifestFile, signatureFile } from './format.ts';
export { carryDirSignatures } from './signatures.ts';
export { type DirSink, openDirSink, writeDirSignatures } from './sink.ts';
export { type DirSource, openDirSource } from './source.ts';

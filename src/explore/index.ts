/**
 * The web explorer: a JSON API over the image model and the pages that use it (the `explore/`
 * module of DESIGN.md, "Modules and the direction of imports").
 */
export * from './compare.ts';
export * from './dag.ts';
export * from './filesystem.ts';
export * from './handler.ts';
export * from './images.ts';
export * from './layers/efficiency.ts';
export * from './layers/entries.ts';
export * from './layers/files.ts';
export * from './layers/listing.ts';
export * from './layers/summaries.ts';
export * from './layers/tree.ts';
export * from './repositories.ts';
export * from './server.ts';
export * from './trust/report.ts';

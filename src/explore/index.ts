/** The web explorer: a JSON API over the image model and the pages that use it (DESIGN.md §2). */
export * from './dag.ts';
export * from './efficiency.ts';
export * from './filesystem.ts';
export * from './handler.ts';
export * from './images.ts';
export * from './layer-entries.ts';
export * from './layer-files.ts';
export * from './layers.ts';
export * from './server.ts';

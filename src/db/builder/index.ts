// The safe index builder: definitions, the builder, "mark as run", and what to build.
export * from './index-definition';
export * from './safe-hours';
export * from './safe-builder';
export * from './mark-as-run';
export * from './pending';

// mingo 7 publishes its subpath modules through package "exports" only; the project's `moduleResolution`
// (node10) ignores "exports", so the types are mapped here to the files mingo ships. Runtime resolution
// (Node, tsx) uses "exports" and is unaffected.
declare module 'mingo/core' {
  export * from 'mingo/types/core/index';
}
declare module 'mingo/query' {
  export * from 'mingo/types/query';
}
declare module 'mingo/aggregator' {
  export * from 'mingo/types/aggregator';
}
declare module 'mingo/lazy' {
  export * from 'mingo/types/lazy';
}
declare module 'mingo/types' {
  export * from 'mingo/types/types';
}
declare module 'mingo/util' {
  export * from 'mingo/types/util/index';
}
declare module 'mingo/updater' {
  export * from 'mingo/types/updater';
}
declare module 'mingo/operators/query' {
  export * from 'mingo/types/operators/query/index';
}
declare module 'mingo/operators/projection' {
  export * from 'mingo/types/operators/projection/index';
}
declare module 'mingo/operators/pipeline' {
  export * from 'mingo/types/operators/pipeline/index';
}
declare module 'mingo/operators/expression' {
  export * from 'mingo/types/operators/expression/index';
}
declare module 'mingo/operators/accumulator' {
  export * from 'mingo/types/operators/accumulator/index';
}
declare module 'mingo/operators/window' {
  export * from 'mingo/types/operators/window/index';
}
declare module 'mingo/operators/update' {
  export * from 'mingo/types/operators/update/index';
}

import fc from 'fast-check';

/** Strings meant to hurt: operators, prototype keys, unicode of every plane, control characters, long ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '$gt',
    '$where',
    '{"$ne":null}',
    '__proto__',
    'constructor',
    'prototype',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '\ud800',
    '🛒🔥',
    'ǅ́̀',
    'null',
    'undefined',
    'NaN',
    '1e309',
    '-0',
    '0x10',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
  ),
  fc.integer({ min: 200, max: 20_000 }).map((n) => 'x'.repeat(n)),
);

/** Numbers a JSON body can carry, including the awkward ones. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, 1e21),
);

/** Objects shaped like MongoDB query operators, or like prototype pollution. */
export const operatorObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ $gt: fc.oneof(hostileNumber, fc.constant('')) }),
  fc.record({ $ne: fc.constant(null) }),
  fc.record({ $where: fc.constant('sleep(1000)') }),
  fc.record({ $regex: fc.constant('.*') }),
  fc.record({ $in: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
  fc.constant(JSON.parse('{"__proto__": {"admin": true, "role": "admin"}}') as Record<string, unknown>),
  fc.constant({ constructor: { prototype: { role: 'admin' } } }),
  fc.dictionary(fc.constantFrom('$set', '$inc', '$unset', '$push'), fc.jsonValue(), { maxKeys: 2 }),
);

/** Any JSON value, with the hostile leaves mixed in. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    operatorObject,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('quantity', 'email', '$gt')),
      tie('value'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

/** `depth` nested arrays or objects: deep enough to hurt a recursive validator. */
export const deepJson: fc.Arbitrary<string> = fc
  .record({ depth: fc.integer({ min: 100, max: 20_000 }), object: fc.boolean() })
  .map(({ depth, object }) =>
    object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`,
  );

/** JSON bodies with a prototype key at the top or nested, next to fields every route knows. */
export const prototypeBody: fc.Arbitrary<string> = fc
  .record({
    key: fc.constantFrom('__proto__', 'constructor', 'prototype'),
    value: fc.constantFrom('{"role":"admin","quantity":5}', '1', '{}'),
    nested: fc.boolean(),
  })
  .map(({ key, value, nested }) =>
    nested
      ? `{"quantity":1,"promoCondition":{"name":"x","${key}":${value}}}`
      : `{"quantity":1,"${key}":${value}}`,
  );

/** Bodies that are not JSON, or are JSON of the wrong size or shape. */
export const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '{',
    '{"quantity":',
    '[',
    'null',
    'true',
    '"str"',
    '{"a":1}{"b":2}',
    '\u0000',
    '{"quantity":1,}',
  ),
  fc.integer({ min: 17_000, max: 200_000 }).map((n) => JSON.stringify({ pad: 'x'.repeat(n) })),
  deepJson,
);

/**
 * Schema-driven GraphQL operations for the fuzz suite, as fast-check
 * arbitraries over the gateway's API schema: valid operations with random
 * arguments and selections, and the ways a client gets them wrong (unknown
 * fields, wrong and missing arguments, mangled text, deep nesting, alias and
 * token floods, oversized and unicode-edge values, wrong variable types, raw
 * HTTP garbage). Seeded, so a failure reproduces.
 */
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isAbstractType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

export type Category =
  | 'valid-query'
  | 'valid-mutation'
  | 'unknown-field'
  | 'missing-argument'
  | 'mangled-text'
  | 'deep-nesting'
  | 'alias-flood'
  | 'oversized'
  | 'unicode-text'
  | 'wrong-variable-types'
  | 'raw-http';

export type Caller = 'anonymous' | 'customer' | 'admin' | 'partner' | 'forged' | 'garbage';

export interface FuzzRequest {
  category: Category;
  caller: Caller;
  /** A JSON body ({ query, variables }) or, for raw-http, the exact bytes and content type. */
  body: { query: string; variables?: Record<string, unknown> } | { raw: string; contentType: string };
}

/** Strings that have broken parsers, databases and loggers before. */
const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\u202eevil',
  '\ufeffbom',
  'e\u0301\u0301\u0301',
  '💥🔥👩‍👩‍👧‍👦',
  'Ω≈ç√∫',
  "'; DROP TABLE products;--",
  '" OR 1=1 --',
  '%00%ff',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '\\u0000',
  '\n\r\t',
  '0',
  '-1',
  'NaN',
  'null',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

const edgeString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 2000 }).map((n) => 'x'.repeat(n)) },
  // Well-formed client ids and slugs, so some calls get past validation and write.
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9:_-]{8,24}$/) },
);

export interface FuzzContext {
  schema: GraphQLSchema;
  /** Real ids (products, categories, users) so some arguments name existing rows. */
  ids: string[];
}

function scalarValue(ctx: FuzzContext, name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'ID':
      return fc.oneof(fc.constantFrom(...ctx.ids), fc.uuid(), edgeString);
    case 'Int':
      return fc.oneof(fc.integer({ min: -3, max: 120 }), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), 1000, 10_000));
    case 'Float':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0.5, 1e308, 5e-324));
    case 'Boolean':
      return fc.boolean();
    default:
      // String and custom scalars (dates, JSON, money): strings, some of them well-formed.
      return fc.oneof(
        edgeString,
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.jsonValue(),
      );
  }
}

function inputValue(ctx: FuzzContext, type: GraphQLInputType, depth: number): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return inputValue(ctx, type.ofType, depth);
  if (isListType(type))
    return fc.array(inputValue(ctx, type.ofType as GraphQLInputType, depth + 1), { maxLength: depth > 1 ? 2 : 6 });
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant({});
    const fields = Object.values(type.getFields());
    return fc.record(Object.fromEntries(fields.map((f) => [f.name, inputValue(ctx, f.type, depth + 1)])), {
      requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name),
    });
  }
  return scalarValue(ctx, (type as GraphQLNamedType).name);
}

/** Prints a GraphQL input type as a variable declaration type. */
const typeName = (t: GraphQLInputType): string => t.toString();

interface Built {
  text: string;
  variables: Record<string, unknown>;
  declarations: string[];
}

/** A selection set under `type`: 1..4 of its fields, recursively, up to `maxDepth`. */
function selection(
  ctx: FuzzContext,
  type: GraphQLNamedType,
  depth: number,
  maxDepth: number,
  vars: { n: number },
): fc.Arbitrary<Built> {
  if (isLeafType(type)) return fc.constant({ text: '', variables: {}, declarations: [] });
  if (isAbstractType(type)) {
    const possible = ctx.schema.getPossibleTypes(type);
    return fc.constantFrom(...possible).chain((t) =>
      selection(ctx, t, depth, maxDepth, vars).map((b) => ({
        ...b,
        text: `{ __typename ${b.text ? `... on ${t.name} ${b.text}` : ''} }`,
      })),
    );
  }
  const object = type as GraphQLObjectType;
  let fields = Object.values(object.getFields());
  // Past the depth budget only leaves: every branch ends.
  if (depth >= maxDepth) fields = fields.filter((f) => isLeafType(getNamedType(f.type)));
  if (!fields.length) return fc.constant({ text: '{ __typename }', variables: {}, declarations: [] });
  return fc
    .uniqueArray(fc.constantFrom(...fields), { minLength: 1, maxLength: 4, selector: (f) => f.name })
    .chain((chosen) => fc.tuple(...chosen.map((f) => field(ctx, f, depth + 1, maxDepth, vars))))
    .map((parts) => ({
      text: `{ ${parts.map((p) => p.text).join(' ')} }`,
      variables: Object.assign({}, ...parts.map((p) => p.variables)) as Record<string, unknown>,
      declarations: parts.flatMap((p) => p.declarations),
    }));
}

function field(
  ctx: FuzzContext,
  f: GraphQLField<unknown, unknown>,
  depth: number,
  maxDepth: number,
  vars: { n: number },
): fc.Arbitrary<Built> {
  const args = f.args.map((a) =>
    fc.tuple(
      fc.constant(a),
      // Required arguments always; optional ones half the time.
      isNonNullType(a.type) ? fc.constant(true) : fc.boolean(),
      inputValue(ctx, a.type, 0),
    ),
  );
  return fc
    .tuple(fc.tuple(...args), selection(ctx, getNamedType(f.type), depth, maxDepth, vars))
    .map(([values, sub]) => {
      const used = values.filter(([, include]) => include);
      const decl: string[] = [];
      const variables: Record<string, unknown> = { ...sub.variables };
      const argText = used.map(([a, , v]) => {
        const name = `v${vars.n++}`;
        decl.push(`$${name}: ${typeName(a.type)}`);
        variables[name] = v;
        return `${a.name}: $${name}`;
      });
      return {
        text: `${f.name}${argText.length ? `(${argText.join(', ')})` : ''} ${sub.text}`.trim(),
        variables,
        declarations: [...decl, ...sub.declarations],
      };
    });
}

/** A well-formed operation on a random root field of `root`. */
export function validOperation(ctx: FuzzContext, root: 'query' | 'mutation'): fc.Arbitrary<FuzzRequest['body']> {
  const type = root === 'query' ? ctx.schema.getQueryType()! : ctx.schema.getMutationType()!;
  const fields = Object.values(type.getFields());
  return fc.constantFrom(...fields).chain((f) => {
    const vars = { n: 0 };
    return field(ctx, f, 1, 4, vars).map((b) => ({
      query: `${root} Fuzz${b.declarations.length ? `(${b.declarations.join(', ')})` : ''} { ${b.text} }`,
      variables: b.variables,
    }));
  });
}

/** Replaces, inserts or deletes a few characters: mostly syntax errors, some subtle ones. */
const mangle = (query: string): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        fc.nat({ max: Math.max(0, query.length - 1) }),
        fc.constantFrom('del', 'ins', 'rep'),
        fc.constantFrom(...'{}()[]$:!@"\\#.,= \u0000aZ9'.split('')),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      let s = query;
      for (const [at, op, ch] of edits) {
        const i = Math.min(at, s.length);
        s =
          op === 'del'
            ? s.slice(0, i) + s.slice(i + 1)
            : op === 'ins'
              ? s.slice(0, i) + ch + s.slice(i)
              : s.slice(0, i) + ch + s.slice(i + 1);
      }
      return s;
    });

/** Any JSON value of the wrong kind for a variable. */
const wrongValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(null), edgeString);

export function fuzzRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const query = validOperation(ctx, 'query');
  const mutation = validOperation(ctx, 'mutation');
  const caller = fc.constantFrom<Caller>('anonymous', 'customer', 'customer', 'admin', 'partner', 'forged', 'garbage');
  const of = (category: Category, body: fc.Arbitrary<FuzzRequest['body']>, who: fc.Arbitrary<Caller> = caller) =>
    fc.record({ category: fc.constant(category), caller: who, body });
  const rootFields = Object.keys(ctx.schema.getQueryType()!.getFields());
  return fc.oneof(
    { weight: 30, arbitrary: of('valid-query', query) },
    {
      weight: 15,
      arbitrary: of('valid-mutation', mutation, fc.constantFrom<Caller>('customer', 'customer', 'admin', 'anonymous')),
    },
    {
      weight: 6,
      arbitrary: of(
        'unknown-field',
        fc
          .tuple(
            fc.constantFrom(...rootFields),
            edgeString.filter((s) => /^[_A-Za-z][_0-9A-Za-z]*$/.test(s)).map((s) => s || 'nope'),
            fc.stringMatching(/^[a-z]{1,12}$/),
          )
          .map(([f, , x]) => ({
            query: `{ ${f} { ${x}Missing } ${x}: unknownRoot${x} }`,
          })),
      ),
    },
    {
      weight: 5,
      arbitrary: of(
        'missing-argument',
        fc
          .constantFrom(
            '{ product { id } }',
            'mutation { addToCart { id } }',
            'mutation { trackEvent { status } }',
            'query ($id: ID!) { product(id: $id) { id } }',
            '{ products(first: "ten") { totalCount } }',
            '{ products(first: 1, nope: 2) { totalCount } }',
          )
          .map((q) => ({ query: q })),
      ),
    },
    {
      weight: 10,
      arbitrary: of(
        'mangled-text',
        query.chain((b) =>
          mangle((b as { query: string }).query).map((q) => ({
            query: q,
            variables: (b as { variables?: Record<string, unknown> }).variables ?? {},
          })),
        ),
      ),
    },
    {
      weight: 4,
      arbitrary: of(
        'deep-nesting',
        fc.integer({ min: 10, max: 300 }).map((n) => ({
          query: `query ($id: ID!) { product(id: $id) { category { ${'parent { '.repeat(n)}slug${' }'.repeat(n)} } } }`,
          variables: { id: ctx.ids[0] },
        })),
      ),
    },
    {
      weight: 4,
      arbitrary: of(
        'alias-flood',
        fc.integer({ min: 16, max: 3000 }).map((n) => ({
          query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`,
        })),
      ),
    },
    {
      weight: 1,
      arbitrary: of(
        'oversized',
        fc.oneof(
          fc.integer({ min: 50_000, max: 1_100_000 }).map((n) => ({
            query: 'query ($s: String!) { search(query: $s) { totalCount } }',
            variables: { s: 'q'.repeat(n) },
          })),
          // Past MAX_BODY_BYTES only searchByImage with the photo in a variable may go (up to
          // MAX_IMAGE_UPLOAD_BYTES): the real shape with junk for a photo, and shapes close to it.
          fc
            .tuple(
              fc.integer({ min: 900_000, max: 1_600_000 }),
              fc.constantFrom(
                'query ($i: String!) { searchByImage(imageBase64: $i) { encoder hits { score } } }',
                'query ($i: String!) { s: searchByImage(imageBase64: $i, first: 100) { encoder } }',
                'query ($i: String!) { searchByImage(imageBase64: $i) { encoder } popularProducts { id } }',
                'mutation ($i: String!) { searchByImage(imageBase64: $i) { encoder } }',
                'query ($i: String!) { ...F } fragment F on Query { searchByImage(imageBase64: $i) { encoder } }',
                'query A($i: String!) { searchByImage(imageBase64: $i) { encoder } } query B { __typename }',
                'query ($i: Int) { searchByImage(imageBase64: "x") { encoder } }',
              ),
              fc.constantFrom('A', '/', '%', '\u00e9'),
            )
            .map(([n, query, c]) => ({ query, variables: { i: c.repeat(n) } })),
        ),
      ),
    },
    {
      weight: 5,
      arbitrary: of(
        'unicode-text',
        fc.tuple(edgeString, fc.constantFrom(...rootFields)).map(([s, f]) => ({
          query: `{ ${f}${s} }`,
          variables: { [s || 'k']: s },
        })),
      ),
    },
    {
      weight: 10,
      arbitrary: of(
        'wrong-variable-types',
        fc.tuple(fc.oneof(query, mutation), wrongValue).map(([b, wrong]) => {
          const body = b as { query: string; variables?: Record<string, unknown> };
          const keys = Object.keys(body.variables ?? {});
          return keys.length
            ? { query: body.query, variables: { ...body.variables, [keys[0]!]: wrong } }
            : { query: body.query, variables: { extra: wrong } };
        }),
      ),
    },
    {
      weight: 4,
      arbitrary: of(
        'raw-http',
        fc.oneof(
          fc.constantFrom(
            { raw: '', contentType: 'application/json' },
            { raw: '{', contentType: 'application/json' },
            { raw: 'null', contentType: 'application/json' },
            { raw: '[]', contentType: 'application/json' },
            { raw: '[{"query":"{ __typename }"},{"query":"{ __typename }"}]', contentType: 'application/json' },
            { raw: '{"query": 42}', contentType: 'application/json' },
            { raw: '{"query": "{ __typename }", "variables": "x"}', contentType: 'application/json' },
            {
              raw: '{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}',
              contentType: 'application/json',
            },
            { raw: 'query=%7B__typename%7D', contentType: 'application/x-www-form-urlencoded' },
            { raw: '{ __typename }', contentType: 'text/plain' },
            { raw: '{ __typename }', contentType: 'application/graphql' },
          ),
          fc.string({ unit: 'binary', maxLength: 200 }).map((raw) => ({ raw, contentType: 'application/json' })),
        ),
      ),
    },
  );
}

import type { FieldNode, FragmentDefinitionNode, GraphQLError, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { ErrorCode } from '@recgraph/subgraph-kit';
import { gql } from './graphqlRuntime.ts';

const { Kind, print, visit } = gql;

/** POSTs one GraphQL request to the gateway's own /graphql as the subscriber. */
export type GatewayFetch = (
  body: { query: string; variables: Record<string, unknown> },
  authorization: string | undefined,
) => Promise<{ status: number; json: unknown }>;

interface Waiter {
  resolve: (product: unknown) => void;
  reject: (error: GraphQLError) => void;
}

/** One distinct `product { ... }` selection of the subscriber's document, with every product id it is asked for. */
interface SelectionGroup {
  selection: SelectionSetNode;
  fragments: Set<string>;
  variables: Set<string>;
  aliasesPerProduct: number;
  info: GraphQLResolveInfo;
  ids: Map<string, Waiter[]>;
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/**
 * `__typename` in every selection set, unaliased: graphql-js picks the
 * concrete type of an interface or union value from it when the fetched
 * product is re-executed against the subscriber's selection.
 */
function withTypenames<T extends SelectionSetNode | FragmentDefinitionNode>(node: T): T {
  return visit(node, {
    SelectionSet(set) {
      const has = set.selections.some((s) => s.kind === Kind.FIELD && !s.alias && s.name.value === '__typename');
      return has ? undefined : { ...set, selections: [...set.selections, TYPENAME] };
    },
  });
}

/** Fragments (transitively) and variables a selection depends on. */
function dependencies(selection: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>) {
  const fragmentNames = new Set<string>();
  const variables = new Set<string>();
  const pending: (SelectionSetNode | FragmentDefinitionNode)[] = [selection];
  while (pending.length) {
    visit(pending.pop()!, {
      Variable(v) {
        variables.add(v.name.value);
      },
      FragmentSpread(spread) {
        const name = spread.name.value;
        const def = fragments[name];
        if (!fragmentNames.has(name) && def) {
          fragmentNames.add(name);
          pending.push(def);
        }
      },
    });
  }
  return { fragmentNames, variables };
}

/** Aliases one product's selection adds, as the alias limit counts them (each spread counts its fragment again). */
function countAliases(node: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): number {
  let n = 0;
  for (const s of node?.selections ?? []) {
    if (s.kind === Kind.FIELD) n += (s.alias ? 1 : 0) + countAliases(s.selectionSet, fragments);
    else if (s.kind === Kind.INLINE_FRAGMENT) n += countAliases(s.selectionSet, fragments);
    else n += countAliases(fragments[s.name.value]?.selectionSet, fragments);
  }
  return n;
}

function uniqueName(base: string, taken: Record<string, unknown>): string {
  let name = base;
  for (let i = 1; name in taken; i++) name = `${base}${i}`;
  return name;
}

function lookupError(message: string, code: string): GraphQLError {
  return new gql.GraphQLError(message, { extensions: { code } });
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

interface GatewayErrorShape {
  message?: unknown;
  path?: unknown;
  extensions?: { code?: unknown };
}

function toGraphQLError(e: GatewayErrorShape): GraphQLError {
  const code =
    typeof e.extensions?.code === 'string' && KNOWN_CODES.has(e.extensions.code)
      ? e.extensions.code
      : ErrorCode.INTERNAL_SERVER_ERROR;
  return lookupError(typeof e.message === 'string' ? e.message : 'Product lookup failed', code);
}

/**
 * Resolves `RecommendedItemUpdate.product` for one event delivered to one
 * subscriber. Every item's product resolver is called in the same pass of
 * graphql-js's execution; they are gathered and answered by one query
 * through the gateway's own /graphql, sent with the subscriber's token, so
 * federation, authorization, limits and tracing apply exactly as to a query.
 * The subscriber's selection goes in verbatim (as a fragment on Product, with
 * the fragments and variables it uses), so the answer's keys are the
 * subscriber's response keys.
 */
export class ProductLookup {
  readonly #groups = new Map<string, SelectionGroup>();
  #scheduled = false;

  constructor(
    private readonly fetchGateway: GatewayFetch,
    private readonly authorization: string | undefined,
    /** The gateway's alias limit: lookups are split so no request exceeds it. */
    private readonly maxAliases: number,
  ) {}

  load(productId: string, info: GraphQLResolveInfo): Promise<unknown> {
    const selection: SelectionSetNode = {
      kind: Kind.SELECTION_SET,
      selections: info.fieldNodes.flatMap((f) => f.selectionSet?.selections ?? []),
    };
    const key = print(selection);
    let group = this.#groups.get(key);
    if (!group) {
      const deps = dependencies(selection, info.fragments);
      group = {
        selection,
        fragments: deps.fragmentNames,
        variables: deps.variables,
        aliasesPerProduct: 1 + countAliases(selection, info.fragments),
        info,
        ids: new Map(),
      };
      this.#groups.set(key, group);
    }
    const waiters = group.ids.get(productId) ?? [];
    group.ids.set(productId, waiters);
    const answer = new Promise<unknown>((resolve, reject) => waiters.push({ resolve, reject }));
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After the current execution pass has asked for every item's product.
      setImmediate(() => void this.#flush());
    }
    return answer;
  }

  async #flush(): Promise<void> {
    const groups = [...this.#groups.values()];
    this.#groups.clear();
    this.#scheduled = false;
    await Promise.all(
      groups.flatMap((group) => {
        const ids = [...group.ids.keys()];
        const perRequest = Math.max(1, Math.floor(this.maxAliases / group.aliasesPerProduct));
        const chunks: string[][] = [];
        for (let i = 0; i < ids.length; i += perRequest) chunks.push(ids.slice(i, i + perRequest));
        return chunks.map((chunk) => this.#fetchChunk(group, chunk));
      }),
    );
  }

  async #fetchChunk(group: SelectionGroup, ids: string[]): Promise<void> {
    const { info } = group;
    const fragmentName = uniqueName('SubscriptionProduct', info.fragments);
    const aliases = ids.map((_, i) => `p${i}`);
    const usedVariables = (info.operation.variableDefinitions ?? []).filter((d) =>
      group.variables.has(d.variable.name.value),
    );
    const variables = Object.fromEntries(
      usedVariables.map((d) => [d.variable.name.value, info.variableValues[d.variable.name.value]]),
    );
    const fields = ids
      // Ids come from a validated envelope (UUIDs); JSON string syntax is also GraphQL's.
      .map((id, i) => `${aliases[i]}: product(id: ${JSON.stringify(id)}) { ...${fragmentName} }`)
      .join('\n  ');
    const query = [
      `query SubscriptionProducts${usedVariables.length ? `(${usedVariables.map(print).join(', ')})` : ''} {\n  ${fields}\n}`,
      `fragment ${fragmentName} on Product ${print(withTypenames(group.selection))}`,
      ...[...group.fragments].map((name) => print(withTypenames(info.fragments[name]!))),
    ].join('\n');

    const settle = (each: (waiter: Waiter, index: number) => void) =>
      ids.forEach((id, i) => group.ids.get(id)!.forEach((w) => each(w, i)));
    try {
      const { status, json } = await this.fetchGateway({ query, variables }, this.authorization);
      const body = (json ?? {}) as { data?: Record<string, unknown> | null; errors?: GatewayErrorShape[] };
      const errors = Array.isArray(body.errors) ? body.errors : [];
      if (!body.data) {
        const error = errors[0]
          ? toGraphQLError(errors[0])
          : lookupError(`Product lookup failed (HTTP ${status})`, ErrorCode.INTERNAL_SERVER_ERROR);
        return settle((w) => w.reject(error));
      }
      const data = body.data;
      settle((w, i) => {
        const alias = aliases[i]!;
        const failed = errors.find((e) => Array.isArray(e.path) && e.path[0] === alias);
        if (failed) w.reject(toGraphQLError(failed));
        else w.resolve(data[alias] ?? null);
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const error = lookupError(
        timedOut ? 'Product lookup timed out' : 'Product lookup failed',
        ErrorCode.INTERNAL_SERVER_ERROR,
      );
      settle((w) => w.reject(error));
    }
  }
}

/** The gateway's own /graphql, as the subscriber. */
export function gatewayFetch(graphqlUrl: string, timeoutMs: number): GatewayFetch {
  return async (body, authorization) => {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json: unknown = await res.json().catch(() => null);
    return { status: res.status, json };
  };
}

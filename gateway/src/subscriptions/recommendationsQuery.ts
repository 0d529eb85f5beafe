import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
} from 'graphql';
import { gql } from './graphqlRuntime.ts';

const { Kind } = gql;

/** The query behind every push of one `recommendationsUpdated` subscription. */
export interface RecommendationsQuery {
  /** `query RecommendationsUpdated(...) { recommendations(<the subscription's arguments>) { <its items selection> } }`. */
  query: string;
  /** The subscriber's variables that the query uses, as the subscriber sent them. */
  variables: Record<string, unknown>;
}

/** Where `items` sits in the subscription's answer, and in the query's. */
export const QUERY_ROOT_FIELD = 'recommendations';

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  if (gql.getDirectiveValues(gql.GraphQLSkipDirective, node, variables)?.if === true) return false;
  return gql.getDirectiveValues(gql.GraphQLIncludeDirective, node, variables)?.if !== false;
}

/** Every `items` field the subscriber selects on RecommendationsUpdate, through fragments, after @skip/@include. */
function itemsFields(set: SelectionSetNode, fragments: Fragments, variables: Record<string, unknown>): FieldNode[] {
  const out: FieldNode[] = [];
  const walk = (s: SelectionSetNode, seen: Set<string>) => {
    for (const node of s.selections) {
      if (!included(node, variables)) continue;
      if (node.kind === Kind.FIELD) {
        if (node.name.value === 'items' && node.selectionSet) out.push(node);
      } else if (node.kind === Kind.INLINE_FRAGMENT) walk(node.selectionSet, seen);
      else if (!seen.has(node.name.value)) {
        const def = fragments.get(node.name.value);
        if (def) walk(def.selectionSet, new Set([...seen, node.name.value]));
      }
    }
  };
  walk(set, new Set());
  return out;
}

/** Fragments (transitively) and variables the nodes use. */
function dependencies(nodes: readonly (SelectionSetNode | FieldNode['arguments'])[], fragments: Fragments) {
  const fragmentNames = new Set<string>();
  const variables = new Set<string>();
  const pending: object[] = nodes.flatMap((n) => (n ? [n] : []));
  while (pending.length) {
    gql.visit(pending.pop() as SelectionSetNode, {
      Variable(v) {
        variables.add(v.name.value);
      },
      FragmentSpread(spread) {
        const def = fragments.get(spread.name.value);
        if (def && !fragmentNames.has(def.name.value)) {
          fragmentNames.add(def.name.value);
          pending.push(def);
        }
      },
    });
  }
  return { fragmentNames, variables };
}

/**
 * `__typename` in every selection set of an interface or union type:
 * graphql-js picks the concrete type of such a value from it when the
 * query's answer is re-executed against the subscriber's selection.
 */
function withAbstractTypenames(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  const typeInfo = new gql.TypeInfo(schema);
  const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
  return gql.visit(
    document,
    gql.visitWithTypeInfo(typeInfo, {
      SelectionSet(set) {
        const type = typeInfo.getParentType();
        if (!type || !gql.isAbstractType(type)) return undefined;
        const has = set.selections.some((s) => s.kind === Kind.FIELD && !s.alias && s.name.value === '__typename');
        return has ? undefined : { ...set, selections: [...set.selections, typename] };
      },
    }),
  );
}

/**
 * The query that answers a `recommendationsUpdated` subscription's `items`:
 * `Query.recommendations` with the subscription field's own argument nodes
 * (its arguments are Query.recommendations', see schema.ts, so unset ones
 * take the same defaults) and the subscriber's `items` selections verbatim
 * (several `items` fields are merged; each reads its own response keys back).
 * Every part of it comes from the subscriber's document, which passed the
 * gateway's query limits at subscribe time, so it is no deeper, costlier or
 * more aliased than that; it still runs through the gateway's validation.
 * Undefined when the subscriber selects no items: nothing to execute then.
 */
export function recommendationsQuery(options: {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  field: FieldNode;
  fragments: Fragments;
  /** Coerced, for @skip/@include. */
  coercedVariables: Record<string, unknown>;
  /** As the subscriber sent them. */
  variables: Record<string, unknown>;
}): RecommendationsQuery | undefined {
  const { field, fragments } = options;
  const items = field.selectionSet ? itemsFields(field.selectionSet, fragments, options.coercedVariables) : [];
  if (!items.length) return undefined;
  const selectionSet: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: items.flatMap((f) => f.selectionSet!.selections),
  };
  const deps = dependencies([selectionSet, field.arguments], fragments);
  const variableDefinitions = (options.operation.variableDefinitions ?? []).filter((d) =>
    deps.variables.has(d.variable.name.value),
  );
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: gql.OperationTypeNode.QUERY,
        name: { kind: Kind.NAME, value: 'RecommendationsUpdated' },
        variableDefinitions,
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            {
              kind: Kind.FIELD,
              name: { kind: Kind.NAME, value: QUERY_ROOT_FIELD },
              arguments: field.arguments ?? [],
              selectionSet,
            },
          ],
        },
      },
      ...[...deps.fragmentNames].map((name) => fragments.get(name)!),
    ],
  };
  const variables = Object.fromEntries(
    variableDefinitions
      .map((d) => d.variable.name.value)
      .filter((name) => name in options.variables)
      .map((name) => [name, options.variables[name]]),
  );
  return { query: gql.print(withAbstractTypenames(options.schema, document)), variables };
}

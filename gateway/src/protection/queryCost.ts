import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ErrorCode } from '@recgraph/subgraph-kit';
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLError,
  GraphQLField,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
// The graphql-js build Apollo's schema objects come from (instanceof checks).
import { gql } from '../subscriptions/graphqlRuntime.ts';

const { getNamedType, isCompositeType, Kind, valueFromAST } = gql;

/**
 * graphql-armor's cost model (objects 2, scalars 1, ×1.5 per nesting level, a
 * field's whole subtree × its page size), with the page size a field will
 * really get: `first`/`last` as written, from the request's variables, or the
 * schema's default when absent. armor reads only literals, so `$n = 100` or a
 * default of 20 counted as 1 and fanned out under the limit. MAX_QUERY_COST
 * keeps its meaning.
 */
const OBJECT_COST = 2;
const SCALAR_COST = 1;
const DEPTH_FACTOR = 1.5;
const PAGE_ARGS = ['first', 'last'];

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  operation: OperationDefinitionNode;
  /** Fragments being expanded (a cycle is a validation error; counted once here). */
  expanding: Set<string>;
}

/** The page size `field` will be asked for: literal, variable, or the argument's default. */
function pageSize(walk: Walk, def: GraphQLField<unknown, unknown> | undefined, node: FieldNode): number {
  for (const name of PAGE_ARGS) {
    const argDef = def?.args.find((a) => a.name === name);
    const arg = node.arguments?.find((a) => a.name.value === name);
    let value: unknown;
    if (arg) {
      if (arg.value.kind === Kind.VARIABLE) {
        const v = arg.value.name.value;
        const declared = walk.operation.variableDefinitions?.find((d) => d.variable.name.value === v);
        value =
          walk.variables[v] ??
          (declared?.defaultValue && argDef ? valueFromAST(declared.defaultValue, argDef.type) : undefined) ??
          argDef?.defaultValue;
      } else {
        value = argDef ? valueFromAST(arg.value, argDef.type, walk.variables) : undefined;
        if (value === undefined && arg.value.kind === Kind.INT) value = Number(arg.value.value);
      }
    } else if (argDef) {
      value = argDef.defaultValue;
    } else continue;
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (Number.isFinite(n) && n > 1) return Math.floor(n);
    if (arg || argDef) return 1;
  }
  return 1;
}

function selectionCost(walk: Walk, parent: GraphQLCompositeType | undefined, set: SelectionSetNode): number {
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      // Introspection is its own concern (off in production), as in armor.
      if (sel.name.value === '__schema') continue;
      cost += DEPTH_FACTOR * fieldCost(walk, parent, sel);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const type = sel.typeCondition ? walk.schema.getType(sel.typeCondition.name.value) : parent;
      cost += selectionCost(walk, type && isCompositeType(type) ? type : parent, sel.selectionSet);
    } else {
      const name = sel.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || walk.expanding.has(name)) continue;
      walk.expanding.add(name);
      const type = walk.schema.getType(fragment.typeCondition.name.value);
      cost += selectionCost(walk, type && isCompositeType(type) ? type : parent, fragment.selectionSet);
      walk.expanding.delete(name);
    }
  }
  return cost;
}

function fieldCost(walk: Walk, parent: GraphQLCompositeType | undefined, node: FieldNode): number {
  if (!node.selectionSet) return SCALAR_COST;
  const def =
    parent && 'getFields' in parent
      ? (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[node.name.value]
      : undefined;
  const named = def ? getNamedType(def.type) : undefined;
  const type = named && isCompositeType(named) ? named : undefined;
  return (OBJECT_COST + selectionCost(walk, type, node.selectionSet)) * pageSize(walk, def, node);
}

/** The estimated cost of running `operationName` of `document` with `variables` against `schema`. */
export function estimateQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation) ?? undefined;
  const walk: Walk = { schema, fragments, variables, operation, expanding: new Set() };
  // armor counts root fields at depth 1 without the factor; so does this.
  return selectionCost(walk, root, operation.selectionSet) / DEPTH_FACTOR;
}

export function queryCostError(maxCost: number, cost: number): GraphQLError {
  return new gql.GraphQLError(
    `Query Cost limit of ${maxCost} exceeded, found ${Math.round(cost)} (page sizes from variables and defaults count). Simplify the operation or split it up.`,
    { extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'QUERY_COST', http: { status: 400 } } },
  );
}

/**
 * Refuses an operation whose estimate is over `maxCost` once its variables are
 * known (after parsing and validation, before any subgraph is called): HTTP
 * 400, BAD_USER_INPUT, reason QUERY_COST.
 */
export function queryCostPlugin(maxCost: number): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, request }) {
          const cost = estimateQueryCost(schema, document, operationName, request.variables ?? {});
          if (cost > maxCost) throw queryCostError(maxCost, cost);
        },
      };
    },
  };
}

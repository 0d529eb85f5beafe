import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { ErrorCode } from '@recgraph/subgraph-kit';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { ProtectionOptions } from './options.ts';
import { queryCostPlugin } from './queryCost.ts';
import { textInputPlugin } from './textInput.ts';

/**
 * Reports a limit violation as a validation error (so Apollo answers 400) in
 * our vocabulary. graphql-armor words every violation as a "Syntax Error",
 * which would send a client looking for a typo rather than at the limit.
 */
function reportViolation(ctx: ValidationContext | null, error: GraphQLError): void {
  ctx?.reportError(
    new GraphQLError(`${error.message.replace(/^Syntax Error: /, '')} Simplify the operation or split it up.`, {
      extensions: { code: ErrorCode.BAD_USER_INPUT },
    }),
  );
}

const reject = { exposeLimits: true, propagateOnRejection: false, onReject: [reportViolation] };

/**
 * graphql-armor's depth, alias and directive limits plus graphql-js's token
 * limit, checked while the gateway parses and validates an operation, and the
 * cost estimate (queryCost.ts: page sizes from literals, variables and schema
 * defaults) once the variables are known — all before any subgraph is called.
 * Violations are BAD_USER_INPUT (HTTP 400) naming the limit.
 */
export function queryLimits(options: ProtectionOptions): {
  plugins: ApolloServerPlugin<BaseContext>[];
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
} {
  const armor = new ApolloArmor({
    maxDepth: { n: options.maxDepth, flattenFragments: true, ...reject },
    // Reads only literal page sizes: queryCost.ts estimates with variables and defaults instead.
    costLimit: { enabled: false },
    maxAliases: { n: options.maxAliases, ...reject },
    maxDirectives: { n: options.maxDirectives, ...reject },
    // armor's token plugin throws from a plugin hook, which Apollo answers with
    // 500; graphql-js counts tokens itself (parseOptions below), failing as a
    // parse error (400, BAD_USER_INPUT) instead.
    maxTokens: { enabled: false },
    // Suggestions help developers and attackers alike: only production masks them.
    blockFieldSuggestion: { enabled: options.production },
  });
  const { plugins, validationRules } = armor.protect();
  return {
    plugins: [...(plugins as ApolloServerPlugin<BaseContext>[]), queryCostPlugin(options.maxCost), textInputPlugin()],
    validationRules,
    parseOptions: { maxTokens: options.maxTokens },
  };
}

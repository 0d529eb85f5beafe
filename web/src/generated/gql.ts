/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment CardFields on Product {\n    id\n    title\n    brand\n    imageUrl\n    price {\n      amount\n      currency\n    }\n    ratingSummary {\n      average\n      count\n    }\n  }\n": typeof types.CardFieldsFragmentDoc,
    "\n  fragment RecommendationFields on Recommendation {\n    score\n    source\n    reason\n    listId\n    product {\n      ...CardFields\n    }\n  }\n": typeof types.RecommendationFieldsFragmentDoc,
    "\n  query Me {\n    me {\n      id\n      role\n      displayName\n      preferences {\n        brands\n        categories {\n          id\n        }\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  query Categories {\n    categories {\n      id\n      name\n      children {\n        id\n        name\n      }\n    }\n  }\n": typeof types.CategoriesDocument,
    "\n  query PreferencePreview($categoryIds: [ID!], $first: Int) {\n    recommendationsForPreferences(categoryIds: $categoryIds, first: $first) {\n      ...RecommendationFields\n    }\n  }\n": typeof types.PreferencePreviewDocument,
    "\n  mutation SetPreferences($input: PreferencesInput!) {\n    setPreferences(input: $input) {\n      id\n      preferences {\n        brands\n        categories {\n          id\n        }\n      }\n    }\n  }\n": typeof types.SetPreferencesDocument,
    "\n  query Recommendations($strategy: RecommendationStrategy!, $alpha: Float, $first: Int) {\n    recommendations(strategy: $strategy, alpha: $alpha, first: $first) {\n      ...RecommendationFields\n    }\n  }\n": typeof types.RecommendationsDocument,
    "\n  subscription RecommendationsUpdated($userId: ID!, $strategy: RecommendationStrategy!, $first: Int) {\n    recommendationsUpdated(userId: $userId, strategy: $strategy, first: $first) {\n      userId\n      at\n      items {\n        ...RecommendationFields\n      }\n    }\n  }\n": typeof types.RecommendationsUpdatedDocument,
    "\n  query Popular($first: Int) {\n    popularProducts(first: $first, window: ALL) {\n      ...CardFields\n    }\n  }\n": typeof types.PopularDocument,
    "\n  query Product($id: ID!) {\n    product(id: $id) {\n      ...CardFields\n      description\n      availability\n      stock\n      category {\n        id\n        name\n      }\n      specs {\n        name\n        value\n      }\n      reviews(first: 5) {\n        totalCount\n        edges {\n          node {\n            id\n            rating\n            title\n            body\n            createdAt\n          }\n        }\n      }\n      recommendedWith(first: 6) {\n        ...CardFields\n      }\n      visuallySimilar(first: 6) {\n        score\n        product {\n          ...CardFields\n        }\n      }\n    }\n    similarProducts(productId: $id, first: 6) {\n      ...RecommendationFields\n    }\n  }\n": typeof types.ProductDocument,
    "\n  mutation TrackEvent($input: TrackEventInput!) {\n    trackEvent(input: $input) {\n      eventId\n      status\n    }\n  }\n": typeof types.TrackEventDocument,
    "\n  mutation Feedback($productId: ID!, $kind: FeedbackKind!) {\n    feedback(productId: $productId, kind: $kind) {\n      kind\n      recorded\n      product {\n        id\n      }\n    }\n  }\n": typeof types.FeedbackDocument,
    "\n  query Search($query: String!, $first: Int, $after: String, $filter: SearchFilter) {\n    search(query: $query, first: $first, after: $after, filter: $filter) {\n      query\n      totalCount\n      hits {\n        score\n        product {\n          ...CardFields\n        }\n      }\n      facets {\n        categories {\n          value\n          label\n          count\n        }\n        brands {\n          value\n          label\n          count\n        }\n        prices {\n          min\n          max\n          count\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": typeof types.SearchDocument,
    "\n  query Suggest($prefix: String!) {\n    suggest(prefix: $prefix, first: 8) {\n      text\n      kind\n    }\n  }\n": typeof types.SuggestDocument,
    "\n  query ImageSearch($imageBase64: String!) {\n    searchByImage(imageBase64: $imageBase64, first: 12) {\n      encoder\n      hits {\n        score\n        product {\n          ...CardFields\n        }\n      }\n    }\n  }\n": typeof types.ImageSearchDocument,
    "\n  fragment CartFields on Cart {\n    id\n    itemCount\n    subtotal {\n      amount\n      currency\n    }\n    items {\n      quantity\n      lineTotal {\n        amount\n        currency\n      }\n      product {\n        ...CardFields\n      }\n    }\n  }\n": typeof types.CartFieldsFragmentDoc,
    "\n  query Cart {\n    cart {\n      ...CartFields\n    }\n  }\n": typeof types.CartDocument,
    "\n  mutation AddToCart($productId: ID!, $quantity: Int!) {\n    addToCart(productId: $productId, quantity: $quantity) {\n      ...CartFields\n    }\n  }\n": typeof types.AddToCartDocument,
    "\n  mutation UpdateCartItem($productId: ID!, $quantity: Int!) {\n    updateCartItem(productId: $productId, quantity: $quantity) {\n      ...CartFields\n    }\n  }\n": typeof types.UpdateCartItemDocument,
    "\n  mutation Checkout {\n    checkout {\n      id\n      total {\n        amount\n        currency\n      }\n      items {\n        quantity\n        product {\n          id\n          title\n        }\n      }\n    }\n  }\n": typeof types.CheckoutDocument,
    "\n  query ModelVersions {\n    modelVersions(first: 20) {\n      id\n      algorithm\n      status\n      primaryMetric\n      metrics {\n        name\n        value\n      }\n      interactions\n      createdAt\n      promotedAt\n    }\n    activeModel {\n      loadedAt\n      version {\n        id\n      }\n    }\n  }\n": typeof types.ModelVersionsDocument,
    "\n  mutation PromoteModel($id: ID!) {\n    promoteModel(id: $id) {\n      id\n      status\n      promotedAt\n    }\n  }\n": typeof types.PromoteModelDocument,
    "\n  mutation RollbackModel {\n    rollbackModel {\n      id\n      status\n      promotedAt\n    }\n  }\n": typeof types.RollbackModelDocument,
    "\n  query Experiments {\n    experiments(first: 10) {\n      id\n      name\n      status\n      startedAt\n      variants {\n        name\n        weight\n        modelVersionId\n        strategy\n      }\n    }\n  }\n": typeof types.ExperimentsDocument,
    "\n  query ExperimentResults($id: ID!) {\n    experimentResults(id: $id) {\n      computedAt\n      variants {\n        name\n        impressions\n        users\n        clicks\n        purchases\n        ctr {\n          value\n          low\n          high\n        }\n        conversionRate {\n          value\n        }\n        ctrPValueVsControl\n      }\n    }\n  }\n": typeof types.ExperimentResultsDocument,
    "\n  mutation Ask($message: String!, $threadId: ID) {\n    ask(message: $message, threadId: $threadId) {\n      threadId\n      answer\n      model\n      stopReason\n      followUps\n      citedProducts {\n        ...CardFields\n      }\n      citedDocuments {\n        documentId\n        key\n        title\n      }\n    }\n  }\n": typeof types.AskDocument,
    "\n  subscription AssistantReplies($threadId: ID!) {\n    assistantReplies(threadId: $threadId) {\n      threadId\n      type\n      text\n      tool\n    }\n  }\n": typeof types.AssistantRepliesDocument,
    "\n  mutation StartThread {\n    startThread {\n      threadId\n    }\n  }\n": typeof types.StartThreadDocument,
};
const documents: Documents = {
    "\n  fragment CardFields on Product {\n    id\n    title\n    brand\n    imageUrl\n    price {\n      amount\n      currency\n    }\n    ratingSummary {\n      average\n      count\n    }\n  }\n": types.CardFieldsFragmentDoc,
    "\n  fragment RecommendationFields on Recommendation {\n    score\n    source\n    reason\n    listId\n    product {\n      ...CardFields\n    }\n  }\n": types.RecommendationFieldsFragmentDoc,
    "\n  query Me {\n    me {\n      id\n      role\n      displayName\n      preferences {\n        brands\n        categories {\n          id\n        }\n      }\n    }\n  }\n": types.MeDocument,
    "\n  query Categories {\n    categories {\n      id\n      name\n      children {\n        id\n        name\n      }\n    }\n  }\n": types.CategoriesDocument,
    "\n  query PreferencePreview($categoryIds: [ID!], $first: Int) {\n    recommendationsForPreferences(categoryIds: $categoryIds, first: $first) {\n      ...RecommendationFields\n    }\n  }\n": types.PreferencePreviewDocument,
    "\n  mutation SetPreferences($input: PreferencesInput!) {\n    setPreferences(input: $input) {\n      id\n      preferences {\n        brands\n        categories {\n          id\n        }\n      }\n    }\n  }\n": types.SetPreferencesDocument,
    "\n  query Recommendations($strategy: RecommendationStrategy!, $alpha: Float, $first: Int) {\n    recommendations(strategy: $strategy, alpha: $alpha, first: $first) {\n      ...RecommendationFields\n    }\n  }\n": types.RecommendationsDocument,
    "\n  subscription RecommendationsUpdated($userId: ID!, $strategy: RecommendationStrategy!, $first: Int) {\n    recommendationsUpdated(userId: $userId, strategy: $strategy, first: $first) {\n      userId\n      at\n      items {\n        ...RecommendationFields\n      }\n    }\n  }\n": types.RecommendationsUpdatedDocument,
    "\n  query Popular($first: Int) {\n    popularProducts(first: $first, window: ALL) {\n      ...CardFields\n    }\n  }\n": types.PopularDocument,
    "\n  query Product($id: ID!) {\n    product(id: $id) {\n      ...CardFields\n      description\n      availability\n      stock\n      category {\n        id\n        name\n      }\n      specs {\n        name\n        value\n      }\n      reviews(first: 5) {\n        totalCount\n        edges {\n          node {\n            id\n            rating\n            title\n            body\n            createdAt\n          }\n        }\n      }\n      recommendedWith(first: 6) {\n        ...CardFields\n      }\n      visuallySimilar(first: 6) {\n        score\n        product {\n          ...CardFields\n        }\n      }\n    }\n    similarProducts(productId: $id, first: 6) {\n      ...RecommendationFields\n    }\n  }\n": types.ProductDocument,
    "\n  mutation TrackEvent($input: TrackEventInput!) {\n    trackEvent(input: $input) {\n      eventId\n      status\n    }\n  }\n": types.TrackEventDocument,
    "\n  mutation Feedback($productId: ID!, $kind: FeedbackKind!) {\n    feedback(productId: $productId, kind: $kind) {\n      kind\n      recorded\n      product {\n        id\n      }\n    }\n  }\n": types.FeedbackDocument,
    "\n  query Search($query: String!, $first: Int, $after: String, $filter: SearchFilter) {\n    search(query: $query, first: $first, after: $after, filter: $filter) {\n      query\n      totalCount\n      hits {\n        score\n        product {\n          ...CardFields\n        }\n      }\n      facets {\n        categories {\n          value\n          label\n          count\n        }\n        brands {\n          value\n          label\n          count\n        }\n        prices {\n          min\n          max\n          count\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": types.SearchDocument,
    "\n  query Suggest($prefix: String!) {\n    suggest(prefix: $prefix, first: 8) {\n      text\n      kind\n    }\n  }\n": types.SuggestDocument,
    "\n  query ImageSearch($imageBase64: String!) {\n    searchByImage(imageBase64: $imageBase64, first: 12) {\n      encoder\n      hits {\n        score\n        product {\n          ...CardFields\n        }\n      }\n    }\n  }\n": types.ImageSearchDocument,
    "\n  fragment CartFields on Cart {\n    id\n    itemCount\n    subtotal {\n      amount\n      currency\n    }\n    items {\n      quantity\n      lineTotal {\n        amount\n        currency\n      }\n      product {\n        ...CardFields\n      }\n    }\n  }\n": types.CartFieldsFragmentDoc,
    "\n  query Cart {\n    cart {\n      ...CartFields\n    }\n  }\n": types.CartDocument,
    "\n  mutation AddToCart($productId: ID!, $quantity: Int!) {\n    addToCart(productId: $productId, quantity: $quantity) {\n      ...CartFields\n    }\n  }\n": types.AddToCartDocument,
    "\n  mutation UpdateCartItem($productId: ID!, $quantity: Int!) {\n    updateCartItem(productId: $productId, quantity: $quantity) {\n      ...CartFields\n    }\n  }\n": types.UpdateCartItemDocument,
    "\n  mutation Checkout {\n    checkout {\n      id\n      total {\n        amount\n        currency\n      }\n      items {\n        quantity\n        product {\n          id\n          title\n        }\n      }\n    }\n  }\n": types.CheckoutDocument,
    "\n  query ModelVersions {\n    modelVersions(first: 20) {\n      id\n      algorithm\n      status\n      primaryMetric\n      metrics {\n        name\n        value\n      }\n      interactions\n      createdAt\n      promotedAt\n    }\n    activeModel {\n      loadedAt\n      version {\n        id\n      }\n    }\n  }\n": types.ModelVersionsDocument,
    "\n  mutation PromoteModel($id: ID!) {\n    promoteModel(id: $id) {\n      id\n      status\n      promotedAt\n    }\n  }\n": types.PromoteModelDocument,
    "\n  mutation RollbackModel {\n    rollbackModel {\n      id\n      status\n      promotedAt\n    }\n  }\n": types.RollbackModelDocument,
    "\n  query Experiments {\n    experiments(first: 10) {\n      id\n      name\n      status\n      startedAt\n      variants {\n        name\n        weight\n        modelVersionId\n        strategy\n      }\n    }\n  }\n": types.ExperimentsDocument,
    "\n  query ExperimentResults($id: ID!) {\n    experimentResults(id: $id) {\n      computedAt\n      variants {\n        name\n        impressions\n        users\n        clicks\n        purchases\n        ctr {\n          value\n          low\n          high\n        }\n        conversionRate {\n          value\n        }\n        ctrPValueVsControl\n      }\n    }\n  }\n": types.ExperimentResultsDocument,
    "\n  mutation Ask($message: String!, $threadId: ID) {\n    ask(message: $message, threadId: $threadId) {\n      threadId\n      answer\n      model\n      stopReason\n      followUps\n      citedProducts {\n        ...CardFields\n      }\n      citedDocuments {\n        documentId\n        key\n        title\n      }\n    }\n  }\n": types.AskDocument,
    "\n  subscription AssistantReplies($threadId: ID!) {\n    assistantReplies(threadId: $threadId) {\n      threadId\n      type\n      text\n      tool\n    }\n  }\n": types.AssistantRepliesDocument,
    "\n  mutation StartThread {\n    startThread {\n      threadId\n    }\n  }\n": types.StartThreadDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CardFields on Product {\n    id\n    title\n    brand\n    imageUrl\n    price {\n      amount\n      currency\n    }\n    ratingSummary {\n      average\n      count\n    }\n  }\n"): (typeof documents)["\n  fragment CardFields on Product {\n    id\n    title\n    brand\n    imageUrl\n    price {\n      amount\n      currency\n    }\n    ratingSummary {\n      average\n      count\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RecommendationFields on Recommendation {\n    score\n    source\n    reason\n    listId\n    product {\n      ...CardFields\n    }\n  }\n"): (typeof documents)["\n  fragment RecommendationFields on Recommendation {\n    score\n    source\n    reason\n    listId\n    product {\n      ...CardFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      role\n      displayName\n      preferences {\n        brands\n        categories {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      role\n      displayName\n      preferences {\n        brands\n        categories {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Categories {\n    categories {\n      id\n      name\n      children {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Categories {\n    categories {\n      id\n      name\n      children {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PreferencePreview($categoryIds: [ID!], $first: Int) {\n    recommendationsForPreferences(categoryIds: $categoryIds, first: $first) {\n      ...RecommendationFields\n    }\n  }\n"): (typeof documents)["\n  query PreferencePreview($categoryIds: [ID!], $first: Int) {\n    recommendationsForPreferences(categoryIds: $categoryIds, first: $first) {\n      ...RecommendationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetPreferences($input: PreferencesInput!) {\n    setPreferences(input: $input) {\n      id\n      preferences {\n        brands\n        categories {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SetPreferences($input: PreferencesInput!) {\n    setPreferences(input: $input) {\n      id\n      preferences {\n        brands\n        categories {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Recommendations($strategy: RecommendationStrategy!, $alpha: Float, $first: Int) {\n    recommendations(strategy: $strategy, alpha: $alpha, first: $first) {\n      ...RecommendationFields\n    }\n  }\n"): (typeof documents)["\n  query Recommendations($strategy: RecommendationStrategy!, $alpha: Float, $first: Int) {\n    recommendations(strategy: $strategy, alpha: $alpha, first: $first) {\n      ...RecommendationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RecommendationsUpdated($userId: ID!, $strategy: RecommendationStrategy!, $first: Int) {\n    recommendationsUpdated(userId: $userId, strategy: $strategy, first: $first) {\n      userId\n      at\n      items {\n        ...RecommendationFields\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription RecommendationsUpdated($userId: ID!, $strategy: RecommendationStrategy!, $first: Int) {\n    recommendationsUpdated(userId: $userId, strategy: $strategy, first: $first) {\n      userId\n      at\n      items {\n        ...RecommendationFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Popular($first: Int) {\n    popularProducts(first: $first, window: ALL) {\n      ...CardFields\n    }\n  }\n"): (typeof documents)["\n  query Popular($first: Int) {\n    popularProducts(first: $first, window: ALL) {\n      ...CardFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Product($id: ID!) {\n    product(id: $id) {\n      ...CardFields\n      description\n      availability\n      stock\n      category {\n        id\n        name\n      }\n      specs {\n        name\n        value\n      }\n      reviews(first: 5) {\n        totalCount\n        edges {\n          node {\n            id\n            rating\n            title\n            body\n            createdAt\n          }\n        }\n      }\n      recommendedWith(first: 6) {\n        ...CardFields\n      }\n      visuallySimilar(first: 6) {\n        score\n        product {\n          ...CardFields\n        }\n      }\n    }\n    similarProducts(productId: $id, first: 6) {\n      ...RecommendationFields\n    }\n  }\n"): (typeof documents)["\n  query Product($id: ID!) {\n    product(id: $id) {\n      ...CardFields\n      description\n      availability\n      stock\n      category {\n        id\n        name\n      }\n      specs {\n        name\n        value\n      }\n      reviews(first: 5) {\n        totalCount\n        edges {\n          node {\n            id\n            rating\n            title\n            body\n            createdAt\n          }\n        }\n      }\n      recommendedWith(first: 6) {\n        ...CardFields\n      }\n      visuallySimilar(first: 6) {\n        score\n        product {\n          ...CardFields\n        }\n      }\n    }\n    similarProducts(productId: $id, first: 6) {\n      ...RecommendationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TrackEvent($input: TrackEventInput!) {\n    trackEvent(input: $input) {\n      eventId\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation TrackEvent($input: TrackEventInput!) {\n    trackEvent(input: $input) {\n      eventId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Feedback($productId: ID!, $kind: FeedbackKind!) {\n    feedback(productId: $productId, kind: $kind) {\n      kind\n      recorded\n      product {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Feedback($productId: ID!, $kind: FeedbackKind!) {\n    feedback(productId: $productId, kind: $kind) {\n      kind\n      recorded\n      product {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Search($query: String!, $first: Int, $after: String, $filter: SearchFilter) {\n    search(query: $query, first: $first, after: $after, filter: $filter) {\n      query\n      totalCount\n      hits {\n        score\n        product {\n          ...CardFields\n        }\n      }\n      facets {\n        categories {\n          value\n          label\n          count\n        }\n        brands {\n          value\n          label\n          count\n        }\n        prices {\n          min\n          max\n          count\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query Search($query: String!, $first: Int, $after: String, $filter: SearchFilter) {\n    search(query: $query, first: $first, after: $after, filter: $filter) {\n      query\n      totalCount\n      hits {\n        score\n        product {\n          ...CardFields\n        }\n      }\n      facets {\n        categories {\n          value\n          label\n          count\n        }\n        brands {\n          value\n          label\n          count\n        }\n        prices {\n          min\n          max\n          count\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Suggest($prefix: String!) {\n    suggest(prefix: $prefix, first: 8) {\n      text\n      kind\n    }\n  }\n"): (typeof documents)["\n  query Suggest($prefix: String!) {\n    suggest(prefix: $prefix, first: 8) {\n      text\n      kind\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ImageSearch($imageBase64: String!) {\n    searchByImage(imageBase64: $imageBase64, first: 12) {\n      encoder\n      hits {\n        score\n        product {\n          ...CardFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ImageSearch($imageBase64: String!) {\n    searchByImage(imageBase64: $imageBase64, first: 12) {\n      encoder\n      hits {\n        score\n        product {\n          ...CardFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CartFields on Cart {\n    id\n    itemCount\n    subtotal {\n      amount\n      currency\n    }\n    items {\n      quantity\n      lineTotal {\n        amount\n        currency\n      }\n      product {\n        ...CardFields\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment CartFields on Cart {\n    id\n    itemCount\n    subtotal {\n      amount\n      currency\n    }\n    items {\n      quantity\n      lineTotal {\n        amount\n        currency\n      }\n      product {\n        ...CardFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Cart {\n    cart {\n      ...CartFields\n    }\n  }\n"): (typeof documents)["\n  query Cart {\n    cart {\n      ...CartFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddToCart($productId: ID!, $quantity: Int!) {\n    addToCart(productId: $productId, quantity: $quantity) {\n      ...CartFields\n    }\n  }\n"): (typeof documents)["\n  mutation AddToCart($productId: ID!, $quantity: Int!) {\n    addToCart(productId: $productId, quantity: $quantity) {\n      ...CartFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateCartItem($productId: ID!, $quantity: Int!) {\n    updateCartItem(productId: $productId, quantity: $quantity) {\n      ...CartFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateCartItem($productId: ID!, $quantity: Int!) {\n    updateCartItem(productId: $productId, quantity: $quantity) {\n      ...CartFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Checkout {\n    checkout {\n      id\n      total {\n        amount\n        currency\n      }\n      items {\n        quantity\n        product {\n          id\n          title\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Checkout {\n    checkout {\n      id\n      total {\n        amount\n        currency\n      }\n      items {\n        quantity\n        product {\n          id\n          title\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelVersions {\n    modelVersions(first: 20) {\n      id\n      algorithm\n      status\n      primaryMetric\n      metrics {\n        name\n        value\n      }\n      interactions\n      createdAt\n      promotedAt\n    }\n    activeModel {\n      loadedAt\n      version {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModelVersions {\n    modelVersions(first: 20) {\n      id\n      algorithm\n      status\n      primaryMetric\n      metrics {\n        name\n        value\n      }\n      interactions\n      createdAt\n      promotedAt\n    }\n    activeModel {\n      loadedAt\n      version {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PromoteModel($id: ID!) {\n    promoteModel(id: $id) {\n      id\n      status\n      promotedAt\n    }\n  }\n"): (typeof documents)["\n  mutation PromoteModel($id: ID!) {\n    promoteModel(id: $id) {\n      id\n      status\n      promotedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RollbackModel {\n    rollbackModel {\n      id\n      status\n      promotedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RollbackModel {\n    rollbackModel {\n      id\n      status\n      promotedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Experiments {\n    experiments(first: 10) {\n      id\n      name\n      status\n      startedAt\n      variants {\n        name\n        weight\n        modelVersionId\n        strategy\n      }\n    }\n  }\n"): (typeof documents)["\n  query Experiments {\n    experiments(first: 10) {\n      id\n      name\n      status\n      startedAt\n      variants {\n        name\n        weight\n        modelVersionId\n        strategy\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentResults($id: ID!) {\n    experimentResults(id: $id) {\n      computedAt\n      variants {\n        name\n        impressions\n        users\n        clicks\n        purchases\n        ctr {\n          value\n          low\n          high\n        }\n        conversionRate {\n          value\n        }\n        ctrPValueVsControl\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExperimentResults($id: ID!) {\n    experimentResults(id: $id) {\n      computedAt\n      variants {\n        name\n        impressions\n        users\n        clicks\n        purchases\n        ctr {\n          value\n          low\n          high\n        }\n        conversionRate {\n          value\n        }\n        ctrPValueVsControl\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Ask($message: String!, $threadId: ID) {\n    ask(message: $message, threadId: $threadId) {\n      threadId\n      answer\n      model\n      stopReason\n      followUps\n      citedProducts {\n        ...CardFields\n      }\n      citedDocuments {\n        documentId\n        key\n        title\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Ask($message: String!, $threadId: ID) {\n    ask(message: $message, threadId: $threadId) {\n      threadId\n      answer\n      model\n      stopReason\n      followUps\n      citedProducts {\n        ...CardFields\n      }\n      citedDocuments {\n        documentId\n        key\n        title\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AssistantReplies($threadId: ID!) {\n    assistantReplies(threadId: $threadId) {\n      threadId\n      type\n      text\n      tool\n    }\n  }\n"): (typeof documents)["\n  subscription AssistantReplies($threadId: ID!) {\n    assistantReplies(threadId: $threadId) {\n      threadId\n      type\n      text\n      tool\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartThread {\n    startThread {\n      threadId\n    }\n  }\n"): (typeof documents)["\n  mutation StartThread {\n    startThread {\n      threadId\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
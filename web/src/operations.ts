// Every operation the storefront sends, in one place; GraphQL Code Generator types each one
// from gateway/api-schema.graphql (src/generated). Fragments keep the cards' fields in step.
import { graphql } from './generated/gql';

export const CardFields = graphql(`
  fragment CardFields on Product {
    id
    title
    brand
    imageUrl
    price {
      amount
      currency
    }
    ratingSummary {
      average
      count
    }
  }
`);

export const RecommendationFields = graphql(`
  fragment RecommendationFields on Recommendation {
    score
    source
    reason
    listId
    product {
      ...CardFields
    }
  }
`);

export const MeQuery = graphql(`
  query Me {
    me {
      id
      role
      displayName
      preferences {
        brands
        categories {
          id
        }
      }
    }
  }
`);

export const CategoriesQuery = graphql(`
  query Categories {
    categories {
      id
      name
      children {
        id
        name
      }
    }
  }
`);

export const PreferencePreviewQuery = graphql(`
  query PreferencePreview($categoryIds: [ID!], $first: Int) {
    recommendationsForPreferences(categoryIds: $categoryIds, first: $first) {
      ...RecommendationFields
    }
  }
`);

export const SetPreferencesMutation = graphql(`
  mutation SetPreferences($input: PreferencesInput!) {
    setPreferences(input: $input) {
      id
      preferences {
        brands
        categories {
          id
        }
      }
    }
  }
`);

export const RecommendationsQuery = graphql(`
  query Recommendations($strategy: RecommendationStrategy!, $alpha: Float, $first: Int) {
    recommendations(strategy: $strategy, alpha: $alpha, first: $first) {
      ...RecommendationFields
    }
  }
`);

export const RecommendationsUpdatedSubscription = graphql(`
  subscription RecommendationsUpdated($userId: ID!, $strategy: RecommendationStrategy!, $first: Int) {
    recommendationsUpdated(userId: $userId, strategy: $strategy, first: $first) {
      userId
      at
      items {
        ...RecommendationFields
      }
    }
  }
`);

export const PopularQuery = graphql(`
  query Popular($first: Int) {
    popularProducts(first: $first, window: ALL) {
      ...CardFields
    }
  }
`);

export const ProductQuery = graphql(`
  query Product($id: ID!) {
    product(id: $id) {
      ...CardFields
      description
      availability
      stock
      category {
        id
        name
      }
      specs {
        name
        value
      }
      reviews(first: 5) {
        totalCount
        edges {
          node {
            id
            rating
            title
            body
            createdAt
          }
        }
      }
      recommendedWith(first: 6) {
        ...CardFields
      }
      visuallySimilar(first: 6) {
        score
        product {
          ...CardFields
        }
      }
    }
    similarProducts(productId: $id, first: 6) {
      ...RecommendationFields
    }
  }
`);

export const TrackEventMutation = graphql(`
  mutation TrackEvent($input: TrackEventInput!) {
    trackEvent(input: $input) {
      eventId
      status
    }
  }
`);

export const FeedbackMutation = graphql(`
  mutation Feedback($productId: ID!, $kind: FeedbackKind!) {
    feedback(productId: $productId, kind: $kind) {
      kind
      recorded
      product {
        id
      }
    }
  }
`);

export const SearchQuery = graphql(`
  query Search($query: String!, $first: Int, $after: String, $filter: SearchFilter) {
    search(query: $query, first: $first, after: $after, filter: $filter) {
      query
      totalCount
      hits {
        score
        product {
          ...CardFields
        }
      }
      facets {
        categories {
          value
          label
          count
        }
        brands {
          value
          label
          count
        }
        prices {
          min
          max
          count
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

export const SuggestQuery = graphql(`
  query Suggest($prefix: String!) {
    suggest(prefix: $prefix, first: 8) {
      text
      kind
    }
  }
`);

export const ImageSearchQuery = graphql(`
  query ImageSearch($imageBase64: String!) {
    searchByImage(imageBase64: $imageBase64, first: 12) {
      encoder
      hits {
        score
        product {
          ...CardFields
        }
      }
    }
  }
`);

const CartFields = graphql(`
  fragment CartFields on Cart {
    id
    itemCount
    subtotal {
      amount
      currency
    }
    items {
      quantity
      lineTotal {
        amount
        currency
      }
      product {
        ...CardFields
      }
    }
  }
`);
void CartFields;

export const CartQuery = graphql(`
  query Cart {
    cart {
      ...CartFields
    }
  }
`);

export const AddToCartMutation = graphql(`
  mutation AddToCart($productId: ID!, $quantity: Int!) {
    addToCart(productId: $productId, quantity: $quantity) {
      ...CartFields
    }
  }
`);

export const UpdateCartItemMutation = graphql(`
  mutation UpdateCartItem($productId: ID!, $quantity: Int!) {
    updateCartItem(productId: $productId, quantity: $quantity) {
      ...CartFields
    }
  }
`);

export const CheckoutMutation = graphql(`
  mutation Checkout {
    checkout {
      id
      total {
        amount
        currency
      }
      items {
        quantity
        product {
          id
          title
        }
      }
    }
  }
`);

export const ModelVersionsQuery = graphql(`
  query ModelVersions {
    modelVersions(first: 20) {
      id
      algorithm
      status
      primaryMetric
      metrics {
        name
        value
      }
      interactions
      createdAt
      promotedAt
    }
    activeModel {
      loadedAt
      version {
        id
      }
    }
  }
`);

export const PromoteModelMutation = graphql(`
  mutation PromoteModel($id: ID!) {
    promoteModel(id: $id) {
      id
      status
      promotedAt
    }
  }
`);

export const RollbackModelMutation = graphql(`
  mutation RollbackModel {
    rollbackModel {
      id
      status
      promotedAt
    }
  }
`);

export const ExperimentsQuery = graphql(`
  query Experiments {
    experiments(first: 10) {
      id
      name
      status
      startedAt
      variants {
        name
        weight
        modelVersionId
        strategy
      }
    }
  }
`);

export const ExperimentResultsQuery = graphql(`
  query ExperimentResults($id: ID!) {
    experimentResults(id: $id) {
      computedAt
      variants {
        name
        impressions
        users
        clicks
        purchases
        ctr {
          value
          low
          high
        }
        conversionRate {
          value
        }
        ctrPValueVsControl
      }
    }
  }
`);

export const AskMutation = graphql(`
  mutation Ask($message: String!, $threadId: ID) {
    ask(message: $message, threadId: $threadId) {
      threadId
      answer
      model
      stopReason
      followUps
      citedProducts {
        ...CardFields
      }
      citedDocuments {
        documentId
        key
        title
      }
    }
  }
`);

export const AssistantRepliesSubscription = graphql(`
  subscription AssistantReplies($threadId: ID!) {
    assistantReplies(threadId: $threadId) {
      threadId
      type
      text
      tool
    }
  }
`);

export const StartThreadMutation = graphql(`
  mutation StartThread {
    startThread {
      threadId
    }
  }
`);

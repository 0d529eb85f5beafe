export { attachSubscriptions, type SubscriptionOptions, type SubscriptionServer } from './attach.ts';
export { DEFAULT_SUBSCRIPTION_LIMITS, subscriptionLimits, type SubscriptionLimits } from './limits.ts';
export { SUBSCRIPTIONS_SDL_FILE, subscriptionSchema } from './schema.ts';
export { CloseCodes } from './connection.ts';

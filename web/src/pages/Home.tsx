import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Row } from '../components/ProductCard';
import { PopularQuery, RecommendationsQuery, RecommendationsUpdatedSubscription } from '../operations';
import type { Session } from '../session';

/** Personal (live over the subscription), MIXED with its alpha, and popular rows. */
export function Home({ session }: { session: Session }) {
  const customer = session.role === 'customer';
  const [alpha, setAlpha] = useState(0.7);
  const [{ data: personal }] = useQuery({
    query: RecommendationsQuery,
    variables: { strategy: 'PERSONALIZED', first: 8 },
  });
  const [{ data: pushed }] = useSubscription({
    query: RecommendationsUpdatedSubscription,
    variables: { userId: session.sub, strategy: 'PERSONALIZED', first: 8 },
    pause: !customer,
  });
  const [{ data: mixed }] = useQuery({
    query: RecommendationsQuery,
    variables: { strategy: 'MIXED', alpha, first: 8 },
  });
  const [{ data: popular }] = useQuery({ query: PopularQuery, variables: { first: 8 } });
  const live = pushed?.recommendationsUpdated;
  const personalItems = (live?.items ?? personal?.recommendations)?.map((r) => ({
    product: r.product,
    reason: r.reason,
  }));
  return (
    <>
      <h1 className="visually-hidden">Recommendations</h1>
      <Row id="personal" title="Recommended for you" items={personalItems} live>
        {live ? (
          <span className="badge" role="status" data-live-at={live.at}>
            Updated live {new Date(live.at).toLocaleTimeString()}
          </span>
        ) : null}
      </Row>
      <Row
        id="mixed"
        title="Your taste and what is popular"
        items={mixed?.recommendations.map((r) => ({ product: r.product, reason: r.reason }))}
      >
        <label className="slider">
          Personal weight (alpha) {alpha.toFixed(1)}
          <input
            type="range"
            min={0}
            max={1}
            step={0.1}
            value={alpha}
            onChange={(e) => setAlpha(Number(e.target.value))}
          />
        </label>
      </Row>
      <Row
        id="popular"
        title="Popular now"
        items={popular?.popularProducts.map((p) => ({ product: p, reason: 'Popular with shoppers' }))}
      />
    </>
  );
}

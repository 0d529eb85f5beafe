import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { price, Row } from '../components/ProductCard';
import { eventId } from '../ids';
import { AddToCartMutation, FeedbackMutation, ProductQuery, TrackEventMutation } from '../operations';

export function Product({ id }: { id: string }) {
  const [{ data, fetching, error }] = useQuery({ query: ProductQuery, variables: { id } });
  const [, track] = useMutation(TrackEventMutation);
  const [cart, addToCart] = useMutation(AddToCartMutation);
  const [fb, feedback] = useMutation(FeedbackMutation);
  const [said, setSaid] = useState<string | null>(null);
  // Each visit is a VIEW: it feeds the online updater, which pushes the new list home.
  useEffect(() => {
    setSaid(null);
    void track({ input: { eventId: eventId(), type: 'VIEW', productId: id, source: 'web' } });
  }, [id, track]);
  if (error) return <p role="alert">{error.message}</p>;
  const p = data?.product;
  if (!p) return <p>{fetching ? 'Loading…' : 'No such product.'}</p>;
  const rate = async (kind: 'LIKE' | 'DISLIKE') => {
    const r = await feedback({ productId: id, kind });
    if (!r.error)
      setSaid(
        kind === 'LIKE' ? 'Thanks, we will show you more like this.' : 'Got it: we will not recommend this again.',
      );
  };
  return (
    <article className="product" aria-labelledby="product-title">
      <div className="product-main">
        {p.imageUrl ? <img src={p.imageUrl} alt={p.title} width={320} height={320} /> : null}
        <div>
          <h1 id="product-title">{p.title}</h1>
          <p className="muted">
            {p.brand} {p.category ? `· ${p.category.name}` : ''}
          </p>
          <p className="price">{price(p.price)}</p>
          <p>{p.description}</p>
          <p className="muted">
            {p.availability.replace('_', ' ').toLowerCase()} · {p.stock} left
          </p>
          <div className="actions">
            <button
              type="button"
              onClick={() => void addToCart({ productId: id, quantity: 1 })}
              disabled={cart.fetching}
            >
              Add to cart
            </button>
            <button
              type="button"
              className="secondary"
              aria-label="I like this"
              onClick={() => void rate('LIKE')}
              disabled={fb.fetching}
            >
              👍 Like
            </button>
            <button
              type="button"
              className="secondary"
              aria-label="Not for me"
              onClick={() => void rate('DISLIKE')}
              disabled={fb.fetching}
            >
              👎 Not for me
            </button>
          </div>
          <div role="status">
            {cart.data ? <p>Added. {cart.data.addToCart.itemCount} items in your cart.</p> : null}
            {said ? <p>{said}</p> : null}
          </div>
          {cart.error || fb.error ? (
            <p role="alert" className="error">
              {(cart.error ?? fb.error)?.message}
            </p>
          ) : null}
          {p.specs.length ? (
            <dl className="specs">
              {p.specs.map((s) => (
                <div key={s.name}>
                  <dt>{s.name}</dt>
                  <dd>{s.value}</dd>
                </div>
              ))}
            </dl>
          ) : null}
        </div>
      </div>
      <Row
        id="similar"
        title="Similar products"
        items={data.similarProducts.map((r) => ({ product: r.product, reason: r.reason }))}
      />
      <Row
        id="together"
        title="Bought together"
        items={p.recommendedWith.map((x) => ({ product: x }))}
        empty="No one has bought this with anything yet."
      />
      <Row
        id="visual"
        title="Visually similar"
        items={p.visuallySimilar.map((h) => ({
          product: h.product,
          note: `Looks ${(h.score * 100).toFixed(0)}% alike`,
        }))}
      />
      <section aria-labelledby="reviews-title">
        <h2 id="reviews-title">Reviews ({p.reviews.totalCount})</h2>
        {p.reviews.edges.length ? (
          <ul className="reviews">
            {p.reviews.edges.map(({ node: r }) => (
              <li key={r.id}>
                <p>
                  <span aria-label={`${r.rating} of 5 stars`}>{'★'.repeat(r.rating) + '☆'.repeat(5 - r.rating)}</span>{' '}
                  <strong>{r.title}</strong>
                </p>
                <p>{r.body}</p>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No reviews yet.</p>
        )}
      </section>
    </article>
  );
}

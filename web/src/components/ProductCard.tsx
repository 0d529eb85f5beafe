import type { CardFieldsFragment } from '../generated/graphql';
import { Link } from './Link';

export function price(p: { amount: string; currency: string }): string {
  const n = Number(p.amount);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency }).format(n);
  } catch {
    return `${p.amount} ${p.currency}`;
  }
}

/** One product: photo, title, price and, for a recommendation, why it was picked. */
export function ProductCard({
  product,
  reason,
  note,
}: {
  product: CardFieldsFragment;
  reason?: string;
  note?: string;
}) {
  return (
    <article className="card" data-product-id={product.id}>
      <Link href={`/product/${product.id}`} className="card-link">
        {product.imageUrl ? (
          <img src={product.imageUrl} alt="" loading="lazy" width={160} height={160} />
        ) : (
          <div className="noimg" aria-hidden="true" />
        )}
        <h3 className="card-title">{product.title}</h3>
      </Link>
      <p className="card-meta">
        <span>{price(product.price)}</span>
        {product.brand ? <span> · {product.brand}</span> : null}
        {product.ratingSummary.average != null ? (
          <span aria-label={`rated ${product.ratingSummary.average.toFixed(1)} of 5`}>
            {' '}
            · ★ {product.ratingSummary.average.toFixed(1)}
          </span>
        ) : null}
      </p>
      {reason ? <p className="reason">{reason}</p> : null}
      {note ? <p className="reason">{note}</p> : null}
    </article>
  );
}

/** A titled, horizontally scrolling row of cards (a list for screen readers). */
export function Row({
  title,
  id,
  items,
  children,
  empty = 'Nothing here yet.',
  live,
}: {
  title: string;
  id: string;
  items: { product: CardFieldsFragment; reason?: string; note?: string }[] | undefined;
  children?: React.ReactNode;
  empty?: string;
  live?: boolean;
}) {
  return (
    <section className="row" aria-labelledby={`${id}-title`} data-row={id}>
      <div className="row-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
      </div>
      {items === undefined ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="cards" aria-live={live ? 'polite' : undefined}>
          {items.map((it) => (
            <li key={it.product.id}>
              <ProductCard
                product={it.product}
                {...(it.reason ? { reason: it.reason } : {})}
                {...(it.note ? { note: it.note } : {})}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

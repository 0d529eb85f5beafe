import { useMutation, useQuery } from 'urql';
import { price } from '../components/ProductCard';
import { Link } from '../components/Link';
import { CartQuery, CheckoutMutation, UpdateCartItemMutation } from '../operations';

export function Cart() {
  const [{ data, fetching }, refetch] = useQuery({ query: CartQuery });
  const [, update] = useMutation(UpdateCartItemMutation);
  const [order, checkout] = useMutation(CheckoutMutation);
  const buy = async () => {
    const r = await checkout({});
    if (!r.error) refetch({ requestPolicy: 'network-only' });
  };
  const cart = data?.cart;
  return (
    <section aria-labelledby="cart-title">
      <h1 id="cart-title">Your cart</h1>
      {order.data ? (
        <div role="status" className="notice">
          <h2>Thank you! Order placed.</h2>
          <p>
            Order {order.data.checkout.id.slice(0, 8)}: {order.data.checkout.items.length} products,{' '}
            {price(order.data.checkout.total)}.
          </p>
        </div>
      ) : null}
      {order.error ? (
        <p role="alert" className="error">
          {order.error.message}
        </p>
      ) : null}
      {!cart ? (
        <p>{fetching ? 'Loading…' : ''}</p>
      ) : cart.items.length === 0 ? (
        <p className="muted">
          Your cart is empty. <Link href="/search">Find something</Link>.
        </p>
      ) : (
        <>
          <table className="cart">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Quantity</th>
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {cart.items.map((it) => (
                <tr key={it.product.id}>
                  <td>
                    <Link href={`/product/${it.product.id}`}>{it.product.title}</Link>
                  </td>
                  <td>
                    <label>
                      <span className="visually-hidden">Quantity of {it.product.title}</span>
                      <input
                        type="number"
                        min={0}
                        max={99}
                        value={it.quantity}
                        onChange={(e) => void update({ productId: it.product.id, quantity: Number(e.target.value) })}
                      />
                    </label>
                  </td>
                  <td>{price(it.lineTotal)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="price">Subtotal: {price(cart.subtotal)}</p>
          <button type="button" onClick={() => void buy()} disabled={order.fetching}>
            Check out
          </button>
        </>
      )}
    </section>
  );
}

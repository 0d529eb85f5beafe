import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Row } from '../components/ProductCard';
import { CategoriesQuery, PopularQuery, PreferencePreviewQuery, SetPreferencesMutation } from '../operations';
import { navigate } from '../router';

/** New shoppers say what they like; the preview below updates as they tick. */
export function Onboarding() {
  const [{ data: cats }] = useQuery({ query: CategoriesQuery });
  const [{ data: popular }] = useQuery({ query: PopularQuery, variables: { first: 100 } });
  const [categoryIds, setCategoryIds] = useState<string[]>([]);
  const [brands, setBrands] = useState<string[]>([]);
  const [saving, save] = useMutation(SetPreferencesMutation);
  const [{ data: preview }] = useQuery({
    query: PreferencePreviewQuery,
    variables: { categoryIds, first: 8 },
    pause: categoryIds.length === 0,
  });
  const allBrands = useMemo(
    () => [...new Set((popular?.popularProducts ?? []).map((p) => p.brand).filter((b): b is string => !!b))].sort(),
    [popular],
  );
  const categories = (cats?.categories ?? []).flatMap((c) => [c, ...c.children]);
  const toggle = (list: string[], set: (v: string[]) => void, v: string) =>
    set(list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await save({ input: { categoryIds, brands } });
    if (!r.error) navigate('/');
  };
  return (
    <form className="onboarding" onSubmit={(e) => void submit(e)} aria-labelledby="onb-title">
      <h1 id="onb-title">What do you like?</h1>
      <fieldset>
        <legend>Categories</legend>
        <div className="chips">
          {categories.map((c) => (
            <label key={c.id} className="chip">
              <input
                type="checkbox"
                checked={categoryIds.includes(c.id)}
                onChange={() => toggle(categoryIds, setCategoryIds, c.id)}
              />
              {c.name}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Brands</legend>
        <div className="chips">
          {allBrands.map((b) => (
            <label key={b} className="chip">
              <input type="checkbox" checked={brands.includes(b)} onChange={() => toggle(brands, setBrands, b)} />
              {b}
            </label>
          ))}
        </div>
      </fieldset>
      {categoryIds.length ? (
        <Row
          id="preview"
          title="Picked for your choices"
          items={preview?.recommendationsForPreferences.map((r) => ({ product: r.product, reason: r.reason }))}
        />
      ) : null}
      <div className="actions">
        <button type="submit" disabled={saving.fetching}>
          Show my recommendations
        </button>
        <button type="button" className="secondary" onClick={() => navigate('/')}>
          Skip
        </button>
      </div>
      {saving.error ? (
        <p role="alert" className="error">
          {saving.error.message}
        </p>
      ) : null}
    </form>
  );
}

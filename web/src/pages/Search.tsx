import { useState } from 'react';
import { useQuery } from 'urql';
import { Row } from '../components/ProductCard';
import { ImageSearchQuery, SearchQuery } from '../operations';
import { navigate } from '../router';

const PAGE = 12;

/** Text search (filters from facets, pages by cursor) and search by a dropped photo. */
export function Search({ params }: { params: URLSearchParams }) {
  const q = params.get('q') ?? '';
  const brands = params.getAll('brand');
  const categoryIds = params.getAll('category');
  const inStock = params.get('inStock') === '1';
  const priceMax = params.get('priceMax');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const filter = {
    ...(brands.length ? { brands } : {}),
    ...(categoryIds.length ? { categoryIds } : {}),
    ...(inStock ? { inStock: true } : {}),
    ...(priceMax ? { priceMax: Number(priceMax) } : {}),
  };
  const [{ data, fetching, error }] = useQuery({
    query: SearchQuery,
    variables: { query: q, first: PAGE, after, filter },
    pause: !q,
  });
  const setParam = (name: string, value: string, on: boolean) => {
    const next = new URLSearchParams(params);
    const all = next.getAll(name).filter((v) => v !== value);
    next.delete(name);
    for (const v of on ? [...all, value] : all) next.append(name, v);
    setCursors([null]);
    navigate(`/search?${next.toString()}`);
  };
  const r = data?.search;
  return (
    <div className="search">
      <PhotoSearch />
      {q ? (
        <div className="search-layout">
          <aside aria-label="Filters">
            <h2>Filters</h2>
            <label className="chip">
              <input type="checkbox" checked={inStock} onChange={(e) => setParam('inStock', '1', e.target.checked)} />
              In stock only
            </label>
            {r ? (
              <>
                <fieldset>
                  <legend>Brand</legend>
                  {r.facets.brands.map((f) => (
                    <label key={f.value} className="facet">
                      <input
                        type="checkbox"
                        checked={brands.includes(f.value)}
                        onChange={(e) => setParam('brand', f.value, e.target.checked)}
                      />
                      {f.label} <span className="muted">({f.count})</span>
                    </label>
                  ))}
                </fieldset>
                <fieldset>
                  <legend>Category</legend>
                  {r.facets.categories.map((f) => (
                    <label key={f.value} className="facet">
                      <input
                        type="checkbox"
                        checked={categoryIds.includes(f.value)}
                        onChange={(e) => setParam('category', f.value, e.target.checked)}
                      />
                      {f.label} <span className="muted">({f.count})</span>
                    </label>
                  ))}
                </fieldset>
                <fieldset>
                  <legend>Price</legend>
                  {r.facets.prices
                    .filter((b) => b.max != null && b.count > 0)
                    .map((b) => (
                      <label key={b.min} className="facet">
                        <input
                          type="radio"
                          name="price"
                          checked={priceMax === String(b.max)}
                          onChange={() => {
                            const next = new URLSearchParams(params);
                            next.set('priceMax', String(b.max));
                            setCursors([null]);
                            navigate(`/search?${next.toString()}`);
                          }}
                        />
                        up to {b.max} <span className="muted">({b.count})</span>
                      </label>
                    ))}
                </fieldset>
              </>
            ) : null}
          </aside>
          <div>
            {error ? (
              <p role="alert" className="error">
                {error.message}
              </p>
            ) : null}
            <Row
              id="results"
              title={r ? `${r.totalCount} results for “${r.query}”` : fetching ? 'Searching…' : 'Results'}
              items={r?.hits.map((h) => ({ product: h.product }))}
              empty="No products match. Try fewer filters."
            />
            <nav className="pager" aria-label="Result pages">
              <button
                type="button"
                className="secondary"
                disabled={cursors.length < 2}
                onClick={() => setCursors(cursors.slice(0, -1))}
              >
                Previous page
              </button>
              <span>Page {cursors.length}</span>
              <button
                type="button"
                className="secondary"
                disabled={!r?.pageInfo.hasNextPage}
                onClick={() => r?.pageInfo.endCursor && setCursors([...cursors, r.pageInfo.endCursor])}
              >
                Next page
              </button>
            </nav>
          </div>
        </div>
      ) : (
        <p className="muted">Type in the search box above, or drop a photo.</p>
      )}
    </div>
  );
}

/** Drag a photo here (or choose one): products that look like it. */
function PhotoSearch() {
  const [image, setImage] = useState<{ preview: string; base64: string } | null>(null);
  const [over, setOver] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [{ data, fetching, error }] = useQuery({
    query: ImageSearchQuery,
    variables: { imageBase64: image?.base64 ?? '' },
    pause: !image,
    requestPolicy: 'network-only',
  });
  const take = (file: File | undefined) => {
    setProblem(null);
    if (!file) return;
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return setProblem('Use a JPEG, PNG or WebP photo.');
    const reader = new FileReader();
    reader.onload = () => setImage({ preview: URL.createObjectURL(file), base64: String(reader.result) });
    reader.readAsDataURL(file);
  };
  return (
    <section aria-labelledby="photo-title" className="photo">
      <h2 id="photo-title">Search by photo</h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          take(e.dataTransfer.files[0]);
        }}
      >
        {image ? <img src={image.preview} alt="Your photo" width={96} height={96} /> : null}
        <p>Drop a photo here, or</p>
        <label className="button secondary">
          choose a photo
          <input
            type="file"
            accept="image/jpeg,image/png,image/webp"
            className="visually-hidden"
            onChange={(e) => take(e.target.files?.[0])}
          />
        </label>
      </div>
      {problem || error ? (
        <p role="alert" className="error">
          {problem ?? error?.message}
        </p>
      ) : null}
      {image ? (
        <Row
          id="photo-results"
          title={fetching ? 'Looking…' : 'Looks like your photo'}
          items={data?.searchByImage.hits.map((h) => ({
            product: h.product,
            note: `${(h.score * 100).toFixed(0)}% alike`,
          }))}
        />
      ) : null}
    </section>
  );
}

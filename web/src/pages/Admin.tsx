import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { MetricChart } from '../components/MetricChart';
import {
  ExperimentResultsQuery,
  ExperimentsQuery,
  ModelVersionsQuery,
  PromoteModelMutation,
  RollbackModelMutation,
} from '../operations';

/** Model versions with their offline metrics, promote / roll back; experiments and results. */
export function Admin({ canWrite }: { canWrite: boolean }) {
  const [{ data, error }, refetch] = useQuery({ query: ModelVersionsQuery });
  const [promoting, promote] = useMutation(PromoteModelMutation);
  const [rolling, rollback] = useMutation(RollbackModelMutation);
  const [done, setDone] = useState<string | null>(null);
  const versions = data?.modelVersions ?? [];
  const primary = versions.find((v) => v.primaryMetric)?.primaryMetric ?? versions[0]?.metrics[0]?.name;
  const points = [...versions]
    .reverse()
    .map((v) => ({
      label: `#${v.id.slice(0, 8)} ${v.algorithm}`,
      value: v.metrics.find((m) => m.name === primary)?.value,
      active: v.status === 'ACTIVE',
    }))
    .filter((p): p is { label: string; value: number; active: boolean } => p.value !== undefined);
  const after = async (r: Promise<{ error?: unknown; data?: { id: string } | undefined }>, what: string) => {
    const res = await r;
    if (!res.error) {
      setDone(`${what} ${res.data?.id.slice(0, 8) ?? ''}: now serving.`);
      refetch({ requestPolicy: 'network-only' });
    }
  };
  const mutationError = promoting.error ?? rolling.error;
  return (
    <div className="admin">
      <section aria-labelledby="models-title">
        <h1 id="models-title">Model versions</h1>
        {error ? (
          <p role="alert" className="error">
            {error.message}
          </p>
        ) : null}
        {primary ? <MetricChart title={primary} points={points} /> : null}
        <div role="status">{done}</div>
        {mutationError ? (
          <p role="alert" className="error">
            {mutationError.message}
          </p>
        ) : null}
        {canWrite ? (
          <button
            type="button"
            className="secondary"
            disabled={rolling.fetching}
            onClick={() =>
              void after(
                rollback({}).then((r) => ({ ...r, data: r.data?.rollbackModel })),
                'Rolled back to',
              )
            }
          >
            Roll back to the previous model
          </button>
        ) : null}
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Status</th>
                <th scope="col">Metrics</th>
                <th scope="col">Created</th>
                {canWrite ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.id} data-model-id={v.id} data-status={v.status}>
                  <td>{v.id.slice(0, 8)}</td>
                  <td>{v.algorithm}</td>
                  <td>
                    <span className={`status ${v.status.toLowerCase()}`}>{v.status}</span>
                  </td>
                  <td>
                    {v.metrics
                      .slice(0, 4)
                      .map((m) => `${m.name} ${m.value.toFixed(3)}`)
                      .join(' · ')}
                  </td>
                  <td>{new Date(v.createdAt).toLocaleString()}</td>
                  {canWrite ? (
                    <td>
                      {v.status === 'CANDIDATE' || v.status === 'RETIRED' ? (
                        <button
                          type="button"
                          disabled={promoting.fetching}
                          aria-label={`Promote model ${v.id.slice(0, 8)}`}
                          onClick={() =>
                            void after(
                              promote({ id: v.id }).then((r) => ({ ...r, data: r.data?.promoteModel })),
                              'Promoted',
                            )
                          }
                        >
                          Promote
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <Experiments />
    </div>
  );
}

function Experiments() {
  const [{ data }] = useQuery({ query: ExperimentsQuery });
  const list = data?.experiments ?? [];
  return (
    <section aria-labelledby="exp-title">
      <h2 id="exp-title">Experiments</h2>
      {list.length === 0 ? <p className="muted">No experiments yet (createExperiment in GraphiQL).</p> : null}
      {list.map((e) => (
        <details key={e.id} open={e.status === 'RUNNING'}>
          <summary>
            {e.name} <span className={`status ${e.status.toLowerCase()}`}>{e.status}</span>
          </summary>
          <ExperimentResults id={e.id} />
        </details>
      ))}
    </section>
  );
}

function ExperimentResults({ id }: { id: string }) {
  const [{ data, error }] = useQuery({ query: ExperimentResultsQuery, variables: { id } });
  if (error) return <p role="alert">{error.message}</p>;
  const r = data?.experimentResults;
  if (!r) return <p className="muted">Loading…</p>;
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Variant</th>
          <th scope="col">Users</th>
          <th scope="col">Impressions</th>
          <th scope="col">Clicks</th>
          <th scope="col">CTR (95% CI)</th>
          <th scope="col">Conversion</th>
          <th scope="col">p vs control</th>
        </tr>
      </thead>
      <tbody>
        {r.variants.map((v) => (
          <tr key={v.name}>
            <th scope="row">{v.name}</th>
            <td>{v.users}</td>
            <td>{v.impressions}</td>
            <td>{v.clicks}</td>
            <td>
              {pct(v.ctr.value)} ({pct(v.ctr.low)}–{pct(v.ctr.high)})
            </td>
            <td>{pct(v.conversionRate.value)}</td>
            <td>{v.ctrPValueVsControl == null ? '—' : v.ctrPValueVsControl.toFixed(3)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

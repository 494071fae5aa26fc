// One engine instance of the WorkerPool (parallel.mjs): loads models and runs row ranges.
let BenchModel = null;
const models = new Map();

self.onmessage = async ({ data }) => {
  const { id } = data;
  try {
    if (data.type === 'init') {
      const glue = await import(data.pkgUrl);
      await glue.default({ module_or_path: data.module });
      BenchModel = glue.BenchModel;
      self.postMessage({ id, result: true });
    } else if (data.type === 'load') {
      const model = new BenchModel(data.bytes);
      models.set(data.name, model);
      self.postMessage({ id, result: { splitsBatch: model.splits_batch() } });
    } else if (data.type === 'run') {
      const outs = models.get(data.name).run(data.x, data.cols);
      const result = Array.from(outs);
      self.postMessage({ id, result }, result.map((o) => o.buffer));
    }
  } catch (e) {
    self.postMessage({ id, error: String(e?.message ?? e) });
  }
};

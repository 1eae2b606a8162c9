import ort from 'onnxruntime-node';
import { RotguardError } from '../core/errors.js';
import type { FeatureMatrix, Prediction } from './trainers/index.js';

/**
 * A model trained elsewhere (e.g. scikit-learn or PyTorch exported to ONNX), run with
 * onnxruntime-node on the CPU. Its feature contract says which rotguard feature block it
 * reads: descriptors (float32, n × columns) or fingerprints (unpacked to 0/1 float32,
 * n × bits). Outputs: a value tensor and optionally an uncertainty tensor (n or n × 1).
 */
export interface OnnxIO {
  block: 'descriptors' | 'fingerprints';
  /** Width of the input: descriptor columns or fingerprint bits. */
  width: number;
  inputName: string;
  valueOutput: string;
  uncertaintyOutput: string | null;
}

export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly io: OnnxIO,
  ) {}

  /** Loads the model and checks that its inputs and outputs match the declared contract. */
  static async load(bytes: Uint8Array, io: OnnxIO): Promise<OnnxModel> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    } catch (e) {
      throw new RotguardError('bad_onnx', `onnxruntime cannot load the model: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!session.inputNames.includes(io.inputName)) {
      throw new RotguardError('onnx_contract', `the model has no input "${io.inputName}" (inputs: ${session.inputNames.join(', ')})`, { field: 'input' });
    }
    for (const out of [io.valueOutput, io.uncertaintyOutput]) {
      if (out && !session.outputNames.includes(out))
        throw new RotguardError('onnx_contract', `the model has no output "${out}" (outputs: ${session.outputNames.join(', ')})`, { field: 'output' });
    }
    const meta = (session as unknown as { inputMetadata?: Array<{ name: string; shape?: Array<number | string> }> }).inputMetadata;
    const declared = meta?.find((m) => m.name === io.inputName)?.shape?.[1];
    if (typeof declared === 'number' && declared !== io.width) {
      throw new RotguardError(
        'onnx_contract',
        `the model's input "${io.inputName}" has ${declared} columns; the feature contract gives ${io.width} ${io.block}`,
        { field: 'input' },
      );
    }
    return new OnnxModel(session, io);
  }

  async predict(x: FeatureMatrix): Promise<Prediction> {
    const input = new Float32Array(x.rows * this.io.width);
    if (this.io.block === 'descriptors') {
      const d = x.descriptors;
      if (!d || d.columns !== this.io.width)
        throw new RotguardError('feature_mismatch', `the model needs ${this.io.width} descriptor columns, got ${d?.columns ?? 'none'}`);
      input.set(d.data);
    } else {
      const f = x.fingerprints;
      if (!f || f.words * 32 !== this.io.width)
        throw new RotguardError('feature_mismatch', `the model needs ${this.io.width}-bit fingerprints, got ${f ? f.words * 32 : 'none'}`);
      for (let r = 0; r < x.rows; r++) {
        for (let bit = 0; bit < this.io.width; bit++) input[r * this.io.width + bit] = (f.data[r * f.words + (bit >>> 5)]! >>> (bit & 31)) & 1;
      }
    }
    const feeds = { [this.io.inputName]: new ort.Tensor('float32', input, [x.rows, this.io.width]) };
    const out = await this.session.run(feeds);
    const column = (name: string) => {
      const t = out[name]!;
      if (t.data.length !== x.rows) throw new RotguardError('onnx_contract', `output "${name}" has ${t.data.length} values for ${x.rows} rows`);
      return Float64Array.from(t.data as Float32Array);
    };
    const value = column(this.io.valueOutput);
    // A model without an uncertainty output gets NaN: missing, not invented.
    const uncertainty = this.io.uncertaintyOutput ? column(this.io.uncertaintyOutput) : new Float64Array(x.rows).fill(Number.NaN);
    return { value, uncertainty };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

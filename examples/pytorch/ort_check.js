// ort_check.js - run an exported model with onnxruntime (the npm package
// onnxruntime-node, CPU) on the reference samples and compare with PyTorch.
//
// usage: NODE_PATH=DIR/node_modules node ort_check.js MODEL.onnx INPUT.bin LOGITS.bin LABELS.bin SHAPE [TOL]
//   SHAPE: one sample's input shape, e.g. 1,1,28,28 (batch 1; a dynamic batch
//   axis is fed 1 too). INPUT.bin / LOGITS.bin are raw little-endian float32,
//   LABELS.bin raw uint8. TOL defaults to 1e-4.
// Prints one JSON object: the fraction of samples whose logits are all within
// TOL of PyTorch's, the fraction with the same argmax, both accuracies, the
// largest difference and onnxruntime's version.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function floats(path) {
  const b = fs.readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function argmax(v) {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

async function main() {
  const [model, inputPath, logitsPath, labelsPath, shapeArg, tolArg] = process.argv.slice(2);
  if (!shapeArg) {
    console.error('usage: node ort_check.js MODEL.onnx INPUT.bin LOGITS.bin LABELS.bin SHAPE [TOL]');
    process.exit(2);
  }
  const shape = shapeArg.split(',').map(Number);
  const tol = tolArg ? Number(tolArg) : 1e-4;
  const x = floats(inputPath), ref = floats(logitsPath), labels = fs.readFileSync(labelsPath);
  const inSize = shape.reduce((a, b) => a * b, 1), n = labels.length, outSize = ref.length / n;
  if (x.length !== n * inSize || !Number.isInteger(outSize)) throw new Error('sample counts disagree');
  const sess = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  let close = 0, same = 0, correct = 0, correctRef = 0, worst = 0;
  for (let s = 0; s < n; s++) {
    const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', x.slice(s * inSize, (s + 1) * inSize), shape) };
    const out = (await sess.run(feeds))[sess.outputNames[0]].data;
    const r = ref.subarray(s * outSize, (s + 1) * outSize);
    let d = 0;
    for (let i = 0; i < outSize; i++) {
      const e = Math.abs(out[i] - r[i]);
      if (!(e <= d)) d = e;  // NaN counts as far
    }
    worst = Math.max(worst, d);
    close += d <= tol;
    same += argmax(out) === argmax(r);
    correct += argmax(out) === labels[s];
    correctRef += argmax(r) === labels[s];
  }
  const version = require('onnxruntime-node/package.json').version;
  console.log(JSON.stringify({
    version, samples: n, tol, within_tol: close / n, argmax: same / n,
    accuracy: correct / n, accuracy_pytorch: correctRef / n, worst_difference: worst,
  }));
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });

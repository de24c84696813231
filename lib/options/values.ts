/** The value types the API's options take: matrices, vectors, weights, entries (lib/api/matrix.ts converts them). */

/** A dense row-major matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Anything accepted where a matrix is expected: a Matrix, or nested arrays (rows of numbers). */
export type MatrixLike = Matrix | ReadonlyArray<ReadonlyArray<number>>;
/** A vector: a Float64Array or an array of numbers. */
export type VectorLike = Float64Array | ReadonlyArray<number>;

/** Weights as accepted by the API: one flat vector, or the list of layer matrices W_1..W_L. */
export type WeightsLike = Float64Array | ReadonlyArray<MatrixLike>;

/** An observed entry (row, column, value) of the d_L x d_0 matrix to complete. */
export type EntryLike = readonly [number, number, number];

/** Entries: [row, col, value] triples, or a flat Float64Array of them. */
export type EntriesLike = ReadonlyArray<EntryLike> | Float64Array;

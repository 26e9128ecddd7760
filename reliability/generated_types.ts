/**
 * The API contract as TypeScript sees it: the types that openapi-typescript generates from
 * docs/openapi.yaml (make clients). This file type-checks (make client-test) only while those
 * types say what the API does; each declaration below is a fact of the API that a TypeScript
 * client relies on, and fails to compile when the schema says otherwise.
 */
import type { components, operations } from "../var/clients/typescript/schema";

type StatusUpdate = components["schemas"]["StatusUpdate"];
type FeedStatusUpdate = components["schemas"]["FeedStatusUpdate"];

// An update recorded without its optional fields has them null, never "".
export const leftOut: Pick<StatusUpdate, "progress" | "confidence" | "evidence_url"> = {
  progress: null,
  confidence: null,
  evidence_url: null,
};
export const leftOutInTheFeed: Pick<FeedStatusUpdate, "confidence" | "evidence_url"> = {
  confidence: null,
  evidence_url: null,
};

// ?format=csv answers text, a spreadsheet's rows, not JSON.
export const commitmentsCsv: operations["commitments_list"]["responses"][200]["content"]["text/csv"] =
  "code,title\r\nMIL-1,Military engagement\r\n";
export const updatesCsv: operations["updates_list"]["responses"][200]["content"]["text/csv"] =
  "id,commitment\r\n1,MIL-1\r\n";

// A refused status update says why, in a body a client can read.
export type RefusedUpdate =
  operations["commitments_updates_create"]["responses"][400]["content"]["application/json"];

// A read whose ETag still holds answers 304.
export type SummaryNotModified = operations["summary_retrieve"]["responses"][304];

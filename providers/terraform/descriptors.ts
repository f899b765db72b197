// The plugin protocol's message and service descriptors. Parsing .proto text costs more start-up
// time than Terraform should pay three times per plan, so the build turns the .proto files into one
// JSON descriptor (run this file), and the provider loads that with protobufjs' light build.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs/light';

const PROTO_DIR = join(__dirname, '..', '..', '..', 'providers', 'terraform');
export const DESCRIPTOR = join(__dirname, 'protocol.json');

/** Builds dist/providers/terraform/protocol.json from the .proto files (part of `npm run build`). */
export function writeDescriptor(): void {
  const full: typeof import('protobufjs') = require('protobufjs');
  const root = new full.Root();
  root.loadSync([join(PROTO_DIR, 'tfplugin6.proto'), join(PROTO_DIR, 'grpc_controller.proto')], { keepCase: true });
  writeFileSync(DESCRIPTOR, JSON.stringify(root.toJSON()));
}

const OBJECT_OPTIONS: protobuf.IConversionOptions = { longs: Number, enums: String, bytes: Buffer, defaults: true, oneofs: true };

/** A gRPC service definition for grpc-js, with protobufjs doing the (de)serialization. */
export function serviceDefinition(root: protobuf.Root, name: string): grpc.ServiceDefinition {
  const service = root.lookupService(name);
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${name}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v) => Buffer.from(request.encode(request.fromObject(v as object)).finish()),
      requestDeserialize: (b) => request.toObject(request.decode(b), OBJECT_OPTIONS),
      responseSerialize: (v) => Buffer.from(response.encode(response.fromObject(v as object)).finish()),
      responseDeserialize: (b) => response.toObject(response.decode(b), OBJECT_OPTIONS),
    };
  }
  return definition as grpc.ServiceDefinition;
}

export function loadRoot(): protobuf.Root {
  return protobuf.Root.fromJSON(require(DESCRIPTOR));
}

if (require.main === module) writeDescriptor();

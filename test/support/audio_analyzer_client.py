"""A Python caller of the original contract, as the services that called the old detector have it: stubs generated
by grpc_tools.protoc from proto/audio_analyzer.proto (into the directory given), the grpcio runtime, an insecure
channel. Prints one JSON line: the predictions, or the status code name and details.

    python3 audio_analyzer_client.py STUBS_DIR HOST:PORT BUCKET KEY
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import audio_analyzer_pb2  # noqa: E402
import audio_analyzer_pb2_grpc  # noqa: E402

_, _, address, bucket, key = sys.argv
with grpc.insecure_channel(address) as channel:
    stub = audio_analyzer_pb2_grpc.AudioAnalysisStub(channel)
    try:
        reply = stub.AnalyzeAudio(
            audio_analyzer_pb2.AnalyzeAudioRequest(minio_bucket_name=bucket, minio_object_key=key), timeout=60
        )
    except grpc.RpcError as error:
        print(json.dumps({"code": error.code().name, "details": error.details()}))
        sys.exit(0)
    print(json.dumps({
        "predictions": [
            {"chunk_id": p.chunk_id, "score": p.score, "start": p.start_time_seconds, "end": p.end_time_seconds}
            for p in reply.predictions
        ],
        "error_message": reply.error_message,
    }))

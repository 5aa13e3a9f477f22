export interface QueueMessage {
  id: string;
  body: string;
  receiptHandle: string;
  receiveCount: number;
}

/** The worker's view of the jobs queue (SQS). */
export interface MessageSource {
  receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<QueueMessage[]>;
  /** Done with the message: delete it. */
  ack(message: QueueMessage): Promise<void>;
  /** Keep it invisible for `seconds` more (heartbeat while a long job runs). */
  extend(message: QueueMessage, seconds: number): Promise<void>;
  /** Make it visible again after `seconds` (0 = now) for another attempt. */
  retry(message: QueueMessage, seconds: number): Promise<void>;
}

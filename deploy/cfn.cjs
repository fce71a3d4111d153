'use strict';

/** Small CloudFormation intrinsic helpers, so the generators read like the template they produce. */
const ref = (logicalId) => ({ Ref: logicalId });
const arnOf = (logicalId) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const sub = (text) => ({ 'Fn::Sub': text });
const join = (parts) => ({ 'Fn::Join': ['', parts] });
/** `arn:…:s3:::bucket/<pattern>` for a bucket of this stack. */
const objectsOf = (bucketLogicalId, pattern) => sub(`\${${bucketLogicalId}.Arn}/${pattern}`);
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
const accountRoot = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');
const serviceInRegion = (service) => sub(`${service}.\${AWS::Region}.amazonaws.com`);
/** An ARN built from a known name: breaks reference cycles (a queue and its DLQ naming each other). */
const sqsArnOf = (queueName) =>
  sub(`arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${queueName}`);

const retained = (resource) => ({ ...resource, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });

module.exports = { ref, arnOf, sub, join, objectsOf, accountRoot, serviceInRegion, sqsArnOf, retained };

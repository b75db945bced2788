output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.main.id
}

output "private_subnet_ids" {
  description = "Private subnets (instances, databases, Kubernetes nodes)."
  value       = aws_subnet.private[*].id
}

output "bucket" {
  description = "Object storage bucket for the migrated data."
  value       = aws_s3_bucket.data.bucket
}

output "kms_key_arn" {
  description = "KMS key encrypting storage, databases and logs."
  value       = aws_kms_key.main.arn
}

output "cluster_name" {
  description = "EKS cluster for the container workloads."
  value       = aws_eks_cluster.main.name
}

output "load_balancer_dns" {
  description = "DNS name of the public load balancer (HTTPS on 443)."
  value       = aws_lb.web.dns_name
}

output "waf_web_acl_arn" {
  description = "The web ACL of the public entry (created here or var.waf_web_acl_arn): give it to 'skylift generate --waf' for the Kubernetes Gateway."
  value       = var.waf_web_acl_arn != "" ? var.waf_web_acl_arn : aws_wafv2_web_acl.web[0].arn
}

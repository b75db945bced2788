variable "app" {
  description = "Application name, used in resource names and tags."
  type        = string
  default     = "ecommerce"
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "vpc_cidr" {
  description = "Address range of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "certificate_arn" {
  description = "ACM certificate for the load balancer's HTTPS listener."
  type        = string
  default     = ""
}

variable "admin_cidrs" {
  description = "Networks allowed to reach the Kubernetes API endpoint."
  type        = list(string)
  default     = []
}

variable "node_count" {
  description = "Kubernetes nodes (sized for the container workloads' requests plus 25 % headroom)."
  type        = number
  default     = 3
}

variable "waf_web_acl_arn" {
  description = "ARN of the organisation's WAFv2 web ACL (scope REGIONAL) to attach to the load balancer and the Kubernetes Gateway instead of the one created here; empty creates one."
  type        = string
  default     = ""
}

variable "waf_rate_limit" {
  description = "Requests per client IP in any 5 minutes before the web ACL blocks it."
  type        = number
  default     = 2000
}

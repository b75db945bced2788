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

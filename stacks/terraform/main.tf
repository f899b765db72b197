# The seed lab as a plain Terraform configuration over docknet's provider:
# two bridges and the route between them, the ICC-off bridge, a publish, a macvlan segment.
#   bin/docknet terraform install      # then export the TF_CLI_CONFIG_FILE it prints
#   terraform init && terraform apply
terraform {
  required_providers {
    docknet = { source = "local/docknet" }
  }
}

variable "parent" {
  description = "host interface for the macvlan segment (a veth end works)"
  type        = string
  default     = "dn-tf0"
}

variable "stack" {
  type    = string
  default = "tf-lab"
}

provider "docknet" {
  stack = var.stack
}

resource "docknet_network" "lab_a" {
  name = "tf-lab-a"
  ipv4 { subnet = "10.121.1.0/24" }
}

resource "docknet_network" "lab_b" {
  name = "tf-lab-b"
  ipv4 { subnet = "10.121.2.0/24" }
}

resource "docknet_network" "isolated" {
  name = "tf-isolated"
  ipv4 { subnet = "10.121.3.0/24" }
  bridge {
    icc        = false
    masquerade = false
  }
}

resource "docknet_network" "segment" {
  name   = "tf-segment"
  driver = "macvlan"
  ipv4 { subnet = "192.168.181.0/24" }
  macvlan { parent = var.parent }
}

resource "docknet_container" "client" {
  name    = "tf-client"
  image   = "docknet/busybox:latest"
  command = ["sleep", "86400"]
  network { name = docknet_network.lab_a.name }
}

resource "docknet_container" "web" {
  name    = "tf-web"
  image   = "docknet/busybox:latest"
  command = ["sh", "-c", "echo hello from tf-web > /tmp/index.html && exec httpd -f -p 80 -h /tmp"]
  publish = ["127.0.0.1:18280:80/tcp"]
  network {
    name = docknet_network.lab_b.name
    ipv4 = "10.121.2.10"
  }
}

resource "docknet_container" "loner" {
  name     = "tf-loner"
  image    = "docknet/busybox:latest"
  command  = ["sleep", "86400"]
  replicas = 2
  network { name = docknet_network.isolated.name }
}

resource "docknet_container" "segment_host" {
  name    = "tf-segment-host"
  image   = "docknet/busybox:latest"
  command = ["sleep", "86400"]
  network {
    name = docknet_network.segment.name
    ipv4 = "192.168.181.10"
  }
}

resource "docknet_route" "a_b" {
  between = [docknet_network.lab_a.name, docknet_network.lab_b.name]
}

output "bridge_a" {
  value = docknet_network.lab_a.bridge_interface
}

output "web_addresses" {
  value = docknet_container.web.addresses
}

#!/usr/bin/env bash
# Builds the peers docknet is tested and compared against, from their Go modules (the Go module proxy
# is reachable here; the Pulumi and Terraform registries are not), into a cache OUTSIDE the repository:
# ${DOCKNET_CACHE:-/var/cache/docknet}. Go's module and build caches live there too (go/mod, go/build),
# so a later run on the same machine reuses them. A subcommand whose result is already cached prints it
# at once; changing a pinned version below (or PEERS_RECIPE) builds anew into a fresh folder.
#
#   scripts/peers.sh pulumi                  stdout: one line, the bin folder holding pulumi,
#                                            pulumi-language-nodejs and pulumi-resource-pulumi-nodejs
#                                            (put it first on PATH)
#   scripts/peers.sh kreuzwerker             stdout: two KEY=value lines (eval-able):
#                                              KREUZWERKER_MIRROR=<unpacked filesystem mirror folder>
#                                              KREUZWERKER_VERSION=<provider version, e.g. 4.6.0>
#   scripts/peers.sh terraform [--force-build]
#                                            stdout: one line, the path of a Terraform 1.11.x binary:
#                                            /usr/local/bin/terraform when it is 1.11.x, else (or with
#                                            --force-build / DOCKNET_TERRAFORM_FORCE_BUILD=1) one built
#                                            from github.com/hashicorp/terraform at TERRAFORM_VERSION
#
# Progress and errors go to stderr; a failure exits 1 with one "peers: error: ..." line saying why.
# `pulumi` fails when the module proxy does not hold the Node.js language host of PULUMI_VERSION (it
# does not, here: the error names the module version and the proxy's answer). With
# DOCKNET_PULUMI_HOST_FALLBACK=1 it builds the language host of sdk/v3 PULUMI_HOST_FALLBACK_VERSION
# instead, into a separate folder, and warns on every call.
# Environment: DOCKNET_CACHE, GOPROXY (default https://proxy.golang.org, no direct fallback),
# DOCKNET_PULUMI_HOST_FALLBACK, DOCKNET_TERRAFORM_FORCE_BUILD.
set -euo pipefail

# --- pins -----------------------------------------------------------------------------------------
# Pulumi CLI and Node.js language host: the release matching the pinned @pulumi/pulumi (package.json).
PULUMI_VERSION=v3.248.0
# The newest sdk/v3 release on the module proxy that still holds the Node.js language host as a package
# (later releases moved it to its own module); used only with DOCKNET_PULUMI_HOST_FALLBACK=1.
PULUMI_HOST_FALLBACK_VERSION=v3.68.0
# pkg/v3 v3.248.0 is missing from the Go checksum database (its lookup through the proxy answers 404),
# so go refuses to use it. It is exempted from the database (GONOSUMDB) and checked against this hash
# instead, recorded from the proxy's copy at the first build. Drop it for a release the database knows.
PULUMI_PKG_UNLISTED_SUM="v3.248.0 h1:MkvI29cYE3QUEvSl+7kZrV5lQ6CBIt54WjYt2HEXDSg="
# kreuzwerker/terraform-provider-docker: its v4.x tags cannot be fetched as versions (go.mod declares
# github.com/terraform-providers/terraform-provider-docker, without /v4), so the module proxy only holds
# it as a pseudo-version of a commit of github.com/kreuzwerker/terraform-provider-docker. This one is
# the newest the proxy offers; its CHANGELOG and docs name release 4.6.0.
KREUZWERKER_MODULE_VERSION=v0.0.0-20260916201441-96d331c98ff4
KREUZWERKER_VERSION=4.6.0
# Terraform, and the commit its v1.11.4 tag points at (the nested modules its go.mod replaces with
# ./internal/... paths are fetched as pseudo-versions of that commit).
TERRAFORM_VERSION=v1.11.4
TERRAFORM_COMMIT=35645b8fca68
# Bump when the build recipe itself changes, so cached results are rebuilt.
PEERS_RECIPE=1

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${DOCKNET_CACHE:-/var/cache/docknet}

log() { echo "peers: $*" >&2; }
die() { echo "peers: error: $*" >&2; exit 1; }

# --- Go environment -------------------------------------------------------------------------------
setup_go() {
  GO=$(command -v go || true)
  [ -n "$GO" ] || GO=/usr/local/go/bin/go
  [ -x "$GO" ] || die "no Go toolchain: neither 'go' on PATH nor /usr/local/go/bin/go"
  export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build"
  # -modcacherw: module cache files stay writable, so the cache folder can be deleted with rm -rf.
  export GOFLAGS="-modcacherw -buildvcs=false"
  # Only the proxy is reachable: no "direct" fallback that would try to clone from GitHub.
  export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
  # Build with the installed toolchain; never download another one.
  export GOTOOLCHAIN=local
  mkdir -p "$GOMODCACHE" "$GOCACHE"
}

# Runs go with its stdout sent to stderr (our stdout carries only the result paths).
gorun() { "$GO" "$@" >&2; }

# Serializes builds of one peer between concurrent callers (the result folder is renamed into place
# only when complete, so readers never see half a build).
lock() {
  mkdir -p "$CACHE/locks"
  exec 9>"$CACHE/locks/$1.lock"
  flock 9
}

# Prints the replace directives of a go.mod whose target is another module (not a local path such as
# ../sdk or ./internal/...): those only make sense inside the repository the go.mod came from.
third_party_replaces() {
  awk '
    /^replace[ \t]*\($/ { block = 1; next }
    block && /^\)/      { block = 0; next }
    block               { r = $0 }
    !block && /^replace[ \t]/ { r = $0; sub(/^replace[ \t]+/, "", r) }
    r != "" {
      sub(/\/\/.*/, "", r); gsub(/^[ \t]+|[ \t]+$/, "", r)
      split(r, side, "=>"); target = side[2]; gsub(/^[ \t]+/, "", target)
      if (target !~ /^(\.|\/)/) print "replace " r
      r = ""
    }' "$1"
}

# Prints the go directive of a go.mod (e.g. 1.25.8).
go_directive() { awk '$1 == "go" { print $2; exit }' "$1"; }

# Path of a module version's go.mod in the module cache (downloading it if needed).
gomod_of() { "$GO" mod download -json "$1" | awk -F'"' '$2 == "GoMod" { print $4 }'; }

# --- pulumi ---------------------------------------------------------------------------------------
# Writes a wrapper module into $1: module name $2, requiring the lines in $4 (one "path version" a
# line), with the go directive and the third-party replaces of the go.mod $3.
write_wrapper() {
  local dir=$1 name=$2 src_mod=$3 requires=$4
  mkdir -p "$dir"
  {
    echo "module docknet.invalid/peers/$name"
    echo
    echo "go $(go_directive "$src_mod")"
    echo
    echo "require ("
    printf '%s\n' "$requires" | sed 's/^/\t/'
    echo ")"
    echo
    third_party_replaces "$src_mod"
  } >"$dir/go.mod"
}

cmd_pulumi() {
  # With DOCKNET_PULUMI_HOST_FALLBACK=1, a language host from an older release is accepted when the
  # release's own is not on the module proxy; its results live in a folder named after it, apart.
  local fallback=${DOCKNET_PULUMI_HOST_FALLBACK:-0}
  local key="$PULUMI_VERSION-r$PEERS_RECIPE"
  [ "$fallback" = 1 ] && key="$PULUMI_VERSION-host-$PULUMI_HOST_FALLBACK_VERSION-r$PEERS_RECIPE"
  local dir="$CACHE/pulumi/$key"
  local bin="$dir/bin"
  if [ -f "$dir/.complete" ]; then
    grep -qx "language-host-release $PULUMI_VERSION" "$dir/.complete" ||
      log "warning: $(grep '^language-host ' "$dir/.complete") (DOCKNET_PULUMI_HOST_FALLBACK=1), CLI $PULUMI_VERSION"
    echo "$bin"; return
  fi
  setup_go
  lock "pulumi-$key"
  if [ -f "$dir/.complete" ]; then echo "$bin"; return; fi

  # The dynamic-provider shim ships in @pulumi/pulumi; it must be the same release as the CLI.
  local sdk_dir="$REPO/node_modules/@pulumi/pulumi"
  [ -f "$sdk_dir/pulumi-resource-pulumi-nodejs" ] ||
    die "$sdk_dir/pulumi-resource-pulumi-nodejs not found: run 'npm ci' in $REPO first"
  local sdk_version
  sdk_version=$(node -p "require('$sdk_dir/package.json').version")
  [ "v$sdk_version" = "$PULUMI_VERSION" ] ||
    log "warning: node_modules has @pulumi/pulumi $sdk_version, the CLI pinned here is $PULUMI_VERSION"

  local work="$CACHE/pulumi/.work-$key"
  rm -rf "$work"
  mkdir -p "$work/bin"
  local ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
  local pkg_sum=""
  if [ "${PULUMI_PKG_UNLISTED_SUM%% *}" = "$PULUMI_VERSION" ]; then
    pkg_sum=${PULUMI_PKG_UNLISTED_SUM#* }
    export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi/pkg/v3"
  fi

  # The language host module has no tags: its version is the pseudo-version of the commit the pkg/v3
  # release tag points at. Resolve it first: it is the part the module proxy may not hold, and finding
  # that out takes seconds, not the minutes of a CLI build.
  log "resolving the release commit of github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
  local info hash stamp host_version host_mod err="" host_from host_release=$PULUMI_VERSION
  local host_module=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  info=$("$GO" list -m -f '{{with .Origin}}{{.Hash}}{{end}} {{.Time.UTC.Format "20060102150405"}}' \
    "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION") ||
    die "the module proxy does not serve github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
  read -r hash stamp <<<"$info"
  if [ -n "$hash" ] && [ -n "$stamp" ]; then
    host_version="v3.0.0-$stamp-${hash:0:12}"
    log "language host: $host_module@$host_version"
    if err=$("$GO" mod download -json "$host_module@$host_version" 2>&1); then
      host_mod=$(gomod_of "$host_module@$host_version")
      host_from="$host_module@$host_version"
    else
      err=$(printf '%s\n' "$err" | awk -F'"' '$2 == "Error" { print $4 }' | sed 's/\\n\\t/ /g; s/\\t/ /g')
    fi
  else
    # The proxy's .info for the release carries no Origin (no commit hash), so the pseudo-version
    # cannot even be named; and the proxy lists no version of the module at all.
    err="the proxy's answer for pkg/v3@$PULUMI_VERSION names no commit, and $host_module@v/list answers: $(curl -s -m 20 "${GOPROXY%%,*}/$host_module/@v/list" 2>&1 | head -c 200)"
  fi
  if [ -z "${host_from:-}" ]; then
    local reason="the Go module proxy does not serve the language host module of pulumi $PULUMI_VERSION ($err); this release has the Node.js language host only as that separate, untagged module, so no pulumi-language-nodejs $PULUMI_VERSION can be built here, and 'pulumi up' of a nodejs program needs it"
    [ "$fallback" = 1 ] || die "cannot build pulumi-language-nodejs $PULUMI_VERSION: $reason. (DOCKNET_PULUMI_HOST_FALLBACK=1 builds the language host of sdk/v3 $PULUMI_HOST_FALLBACK_VERSION instead.)"
    log "warning: $reason"
    log "warning: DOCKNET_PULUMI_HOST_FALLBACK=1: building the language host of github.com/pulumi/pulumi/sdk/v3@$PULUMI_HOST_FALLBACK_VERSION instead"
    host_module=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
    host_version=$PULUMI_HOST_FALLBACK_VERSION
    host_release=$PULUMI_HOST_FALLBACK_VERSION
    host_from="github.com/pulumi/pulumi/sdk/v3@$PULUMI_HOST_FALLBACK_VERSION (package nodejs/cmd/pulumi-language-nodejs)"
  fi

  # pulumi CLI. `go install .../pkg/v3/cmd/pulumi@v` refuses a module whose go.mod has replace
  # directives, so a wrapper module requires pkg/v3 and sdk/v3 at the release and repeats the
  # release's third-party replaces (the clipboard fork); sdk => ../sdk is served by the require.
  local pkg_mod
  pkg_mod=$(gomod_of "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION") ||
    die "cannot download github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION: $("$GO" mod download -json \
      "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" 2>&1 | awk -F'"' '$2 == "Error" { print $4 }')"
  if [ -n "${pkg_sum:-}" ]; then
    local got_sum
    got_sum=$("$GO" mod download -json "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" | awk -F'"' '$2 == "Sum" { print $4 }')
    [ "$got_sum" = "$pkg_sum" ] ||
      die "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION from the proxy hashes to $got_sum, pinned $pkg_sum"
  fi
  write_wrapper "$work/cli" pulumi-cli "$pkg_mod" "github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION"
  log "building pulumi $PULUMI_VERSION (first build: several minutes)"
  (cd "$work/cli" &&
    gorun get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" &&
    CGO_ENABLED=0 gorun build -tags osusergo,grpcnotrace -ldflags "$ldflags" \
      -o "$work/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) ||
    die "building the pulumi CLI $PULUMI_VERSION failed (see the go output above)"

  # Language host: same wrapper idea. The release's module replaces pkg/v3 and sdk/v3 with local
  # paths, which requires at the release stand in for; the fallback is a package of sdk/v3 itself,
  # whose go.mod pins golang.org/x/text by a replace.
  if [ "$host_release" != "$PULUMI_VERSION" ]; then
    write_wrapper "$work/nodejs" pulumi-language-nodejs \
      "$(gomod_of "github.com/pulumi/pulumi/sdk/v3@$host_version")" \
      "github.com/pulumi/pulumi/sdk/v3 $host_version"
  else
    write_wrapper "$work/nodejs" pulumi-language-nodejs "$host_mod" "$host_module $host_version
github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION"
  fi
  log "building pulumi-language-nodejs from $host_from"
  (cd "$work/nodejs" &&
    gorun get "$host_module@$host_version" &&
    CGO_ENABLED=0 gorun build -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$host_release" \
      -o "$work/bin/pulumi-language-nodejs" "$host_module") ||
    die "building pulumi-language-nodejs failed (see the go output above)"

  # The shim resolves @pulumi/pulumi from the folder it runs in, so a copy works for any program.
  cp "$sdk_dir/pulumi-resource-pulumi-nodejs" "$work/bin/"
  chmod +x "$work/bin/pulumi-resource-pulumi-nodejs"

  local got
  got=$("$work/bin/pulumi" version) || die "the built pulumi does not run"
  [ "$got" = "$PULUMI_VERSION" ] || die "the built pulumi reports $got, expected $PULUMI_VERSION"
  printf 'pulumi %s\nlanguage-host %s\nlanguage-host-release %s\nshim @pulumi/pulumi %s\nrecipe %s\n' \
    "$PULUMI_VERSION" "$host_from" "$host_release" "$sdk_version" "$PEERS_RECIPE" >"$work/.complete"
  rm -rf "$work/cli" "$work/nodejs"
  rm -rf "$dir"
  mv "$work" "$dir"
  log "pulumi $PULUMI_VERSION ready in $bin"
  echo "$bin"
}

# --- kreuzwerker/terraform-provider-docker --------------------------------------------------------
cmd_kreuzwerker() {
  local mirror="$CACHE/terraform-mirror"
  local pdir="$mirror/registry.terraform.io/kreuzwerker/docker/$KREUZWERKER_VERSION/linux_amd64"
  local exe="$pdir/terraform-provider-docker_v$KREUZWERKER_VERSION"
  # The stamp stays outside the mirror: Terraform hashes every file of a provider's folder.
  local stamp="$CACHE/kreuzwerker/$KREUZWERKER_VERSION-linux_amd64.complete"
  local key="$KREUZWERKER_MODULE_VERSION recipe $PEERS_RECIPE"
  kw_print() { printf 'KREUZWERKER_MIRROR=%s\nKREUZWERKER_VERSION=%s\n' "$mirror" "$KREUZWERKER_VERSION"; }
  if [ -x "$exe" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then kw_print; return; fi
  setup_go
  lock "kreuzwerker-$KREUZWERKER_VERSION"
  if [ -x "$exe" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then kw_print; return; fi

  local declared=github.com/terraform-providers/terraform-provider-docker
  local published=github.com/kreuzwerker/terraform-provider-docker
  local work="$CACHE/kreuzwerker/.work-$KREUZWERKER_VERSION-r$PEERS_RECIPE"
  rm -rf "$work"
  mkdir -p "$work"
  # The proxy serves the commit under the path users know (kreuzwerker), but its go.mod declares the
  # old terraform-providers path. Go accepts such a module only as a replacement: the wrapper requires
  # the declared path and replaces it with the published one at the same pseudo-version.
  local src_mod
  src_mod=$(gomod_of "$published@$KREUZWERKER_MODULE_VERSION") ||
    die "the module proxy does not serve $published@$KREUZWERKER_MODULE_VERSION"
  {
    echo "module docknet.invalid/peers/kreuzwerker"
    echo
    echo "go $(go_directive "$src_mod")"
    echo
    echo "require $declared $KREUZWERKER_MODULE_VERSION"
    echo
    echo "replace $declared => $published $KREUZWERKER_MODULE_VERSION"
    third_party_replaces "$src_mod"
  } >"$work/go.mod"
  log "building terraform-provider-docker $KREUZWERKER_VERSION ($published@$KREUZWERKER_MODULE_VERSION; first build: several minutes)"
  # Release settings of the project's .goreleaser.yml: no cgo, -trimpath, version stamped in main.
  (cd "$work" &&
    gorun get "$declared@$KREUZWERKER_MODULE_VERSION" &&
    CGO_ENABLED=0 gorun build -trimpath -ldflags "-s -w -X main.version=$KREUZWERKER_VERSION" \
      -o "$work/terraform-provider-docker_v$KREUZWERKER_VERSION" "$declared") ||
    die "building terraform-provider-docker $KREUZWERKER_VERSION failed (see the go output above)"
  rm -rf "$pdir"
  mkdir -p "$pdir"
  mv "$work/terraform-provider-docker_v$KREUZWERKER_VERSION" "$exe"
  echo "$key" >"$stamp"
  rm -rf "$work"
  log "terraform-provider-docker $KREUZWERKER_VERSION installed in $pdir"
  kw_print
}

# --- terraform ------------------------------------------------------------------------------------
cmd_terraform() {
  local force=${DOCKNET_TERRAFORM_FORCE_BUILD:-0}
  while [ $# -gt 0 ]; do
    case "$1" in
      --force-build) force=1 ;;
      *) die "terraform: unknown argument $1 (only --force-build)" ;;
    esac
    shift
  done
  local series=${TERRAFORM_VERSION%.*}; series=${series#v}   # 1.11
  if [ "$force" != 1 ] && [ -x /usr/local/bin/terraform ]; then
    local v
    v=$(CHECKPOINT_DISABLE=1 /usr/local/bin/terraform version 2>/dev/null | awk 'NR == 1 { sub(/^v/, "", $2); print $2 }')
    case "$v" in
      "$series".*) echo /usr/local/bin/terraform; return ;;
      *) log "/usr/local/bin/terraform is ${v:-unknown}, not $series.x: using a build" ;;
    esac
  fi

  local dir="$CACHE/terraform/$TERRAFORM_VERSION-r$PEERS_RECIPE"
  if [ -f "$dir/.complete" ]; then echo "$dir/bin/terraform"; return; fi
  setup_go
  lock "terraform-$TERRAFORM_VERSION"
  if [ -f "$dir/.complete" ]; then echo "$dir/bin/terraform"; return; fi

  local work="$CACHE/terraform/.work-$TERRAFORM_VERSION-r$PEERS_RECIPE"
  rm -rf "$work"
  mkdir -p "$work/bin"
  local tf_mod stamp pseudo
  tf_mod=$(gomod_of "github.com/hashicorp/terraform@$TERRAFORM_VERSION") ||
    die "the module proxy does not serve github.com/hashicorp/terraform@$TERRAFORM_VERSION"
  stamp=$("$GO" list -m -f '{{.Time.UTC.Format "20060102150405"}}' "github.com/hashicorp/terraform@$TERRAFORM_VERSION")
  pseudo="v0.0.0-$stamp-$TERRAFORM_COMMIT"
  # terraform's go.mod replaces its nested modules (backends, legacy) with ./internal/... paths, which
  # makes `go install ...@version` fail and are absent from its module zip. The wrapper replaces each
  # with the same module at the pseudo-version of the release commit, which the proxy serves.
  {
    echo "module docknet.invalid/peers/terraform"
    echo
    echo "go $(go_directive "$tf_mod")"
    # godebug settings apply only from the main module: carry the release's over.
    awk '$1 == "godebug"' "$tf_mod"
    echo
    echo "require github.com/hashicorp/terraform $TERRAFORM_VERSION"
    echo
    awk '$1 == "replace" && $4 ~ /^\.\// { print "replace " $2 " => " $2 " '"$pseudo"'" }' "$tf_mod"
    third_party_replaces "$tf_mod"
  } >"$work/go.mod"
  # A setting this Go no longer knows (1.26 dropped tlskyber, whose mechanism it no longer offers)
  # makes every go command fail: drop such settings, saying so.
  local out bad
  while ! out=$(cd "$work" && "$GO" list -m 2>&1); do
    bad=$(printf '%s\n' "$out" | sed -n 's/.*unknown godebug "\([^"]*\)".*/\1/p' | head -1)
    [ -n "$bad" ] || die "the terraform wrapper module does not load: $out"
    log "note: dropping 'godebug $bad' of terraform's go.mod: unknown to $("$GO" env GOVERSION)"
    sed -i "/^godebug $bad=/d" "$work/go.mod"
  done
  grep -q "=> github.com/hashicorp/terraform/" "$work/go.mod" ||
    log "note: terraform $TERRAFORM_VERSION's go.mod has no local replaces"
  log "building terraform $TERRAFORM_VERSION (nested modules at $pseudo; first build: several minutes)"
  # Release settings of terraform's .github/scripts/get_product_version.sh and build workflow.
  (cd "$work" &&
    gorun get "github.com/hashicorp/terraform@$TERRAFORM_VERSION" &&
    CGO_ENABLED=0 gorun build -trimpath \
      -ldflags "-w -s -X 'github.com/hashicorp/terraform/version.dev=no'" \
      -o "$work/bin/terraform" github.com/hashicorp/terraform) ||
    die "building terraform $TERRAFORM_VERSION failed (see the go output above)"
  local got
  got=$("$work/bin/terraform" version 2>/dev/null | awk 'NR == 1 { print $2 }')
  [ "$got" = "$TERRAFORM_VERSION" ] || die "the built terraform reports $got, expected $TERRAFORM_VERSION"
  echo "terraform $TERRAFORM_VERSION nested $pseudo recipe $PEERS_RECIPE" >"$work/.complete"
  rm -rf "$dir"
  mv "$work" "$dir"
  log "terraform $TERRAFORM_VERSION ready: $dir/bin/terraform"
  echo "$dir/bin/terraform"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
sub=$1
shift
case "$sub" in
  pulumi) [ $# -eq 0 ] || die "pulumi takes no arguments"; cmd_pulumi ;;
  kreuzwerker) [ $# -eq 0 ] || die "kreuzwerker takes no arguments"; cmd_kreuzwerker ;;
  terraform) cmd_terraform "$@" ;;
  -h|--help|help) usage ;;
  *) die "unknown subcommand '$sub' (pulumi, kreuzwerker, terraform)" ;;
esac

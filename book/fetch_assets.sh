#!/usr/bin/env bash
# Fetch the JavaScript the handbook needs so that it works without internet:
# MathJax (formulas), RequireJS and the ipywidgets embed manager (static widgets).
#
# Jupyter Book 1.x points these at public CDNs by default; _config.yml points
# them at the copies made here instead (html_static_path, mathjax_path,
# nb_ipywidgets_js). The files are large (about 20 MB), so they are not
# committed: they are fetched from the npm registry with `npm pack`, checked
# against pinned integrity hashes and unpacked into book/_vendor/ (gitignored).
#
# Idempotent: when the pinned versions are already in place it exits at once.
# Usage:  bash book/fetch_assets.sh [DEST]    (DEST defaults to book/_vendor)
# Without npm, the same tarballs are downloaded from the registry with curl
# (registry: $NPM_CONFIG_REGISTRY, default https://registry.npmjs.org).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/_vendor}"
out="$dest/offline"
stamp="$dest/.complete"

# name@version and the registry's sha512 integrity of its tarball.
packages=(
  "mathjax@3.2.2 sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
  "requirejs@2.3.8 sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw=="
  "@jupyter-widgets/html-manager@1.0.15 sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA=="
)
# The files _config.yml refers to; all must exist for the stamp to count.
required=(
  "$out/mathjax/es5/tex-mml-chtml.js"
  "$out/requirejs/require.js"
  "$out/html-manager/embed-amd.js"
)
want="$(printf '%s\n' "${packages[@]}")"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  ok=1
  for f in "${required[@]}"; do [ -f "$f" ] || ok=0; done
  if [ "$ok" = 1 ]; then exit 0; fi
fi

registry="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"
registry="${registry%/}"

# Download the tarball of name@version into the current folder; print its file name.
fetch_tarball() {
  local spec="$1" name version base file
  if command -v npm >/dev/null 2>&1; then
    npm pack --silent "$spec" 2>/dev/null | tail -n 1
    return
  fi
  command -v curl >/dev/null 2>&1 || {
    echo "fetch_assets.sh: needs npm or curl (Debian: apt-get install npm)" >&2
    return 1
  }
  name="${spec%@*}"
  version="${spec##*@}"
  base="${name##*/}"
  file="${name#@}"
  file="${file//\//-}-$version.tgz"
  curl -fsSL -o "$file" "$registry/$name/-/$base-$version.tgz" || return 1
  echo "$file"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tgz" "$work/new"

for entry in "${packages[@]}"; do
  spec="${entry%% *}"
  integrity="${entry#* }"
  name="$(cd "$work/tgz" && fetch_tarball "$spec")" || name=""
  tarball="$work/tgz/$name"
  [ -n "$name" ] && [ -f "$tarball" ] || { echo "fetch_assets.sh: could not fetch $spec" >&2; exit 1; }
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 | tr -d '\n')"
  if [ "$actual" != "$integrity" ]; then
    echo "fetch_assets.sh: integrity mismatch for $spec" >&2
    echo "  expected $integrity" >&2
    echo "  got      $actual" >&2
    exit 1
  fi
  pkgdir="$work/unpacked/${spec//\//_}"
  mkdir -p "$pkgdir"
  tar -xzf "$tarball" -C "$pkgdir"
done

u="$work/unpacked"
new="$work/new/offline"
mkdir -p "$new/mathjax" "$new/requirejs" "$new/html-manager"

# MathJax: the es5 tree (combined components, fonts and the extensions that
# load on demand), without the SVG output and Node.js builds the book never uses.
cp -R "$u/mathjax@3.2.2/package/es5" "$new/mathjax/es5"
rm -f "$new/mathjax/es5/"*svg*.js "$new/mathjax/es5/node-main.js"
cp "$u/mathjax@3.2.2/package/LICENSE" "$u/mathjax@3.2.2/package/package.json" "$new/mathjax/"

cp "$u/requirejs@2.3.8/package/require.js" "$u/requirejs@2.3.8/package/package.json" \
   "$new/requirejs/"

# The AMD embed bundle and the icon fonts it refers to (same folder).
hm="$u/@jupyter-widgets_html-manager@1.0.15/package"
cp "$hm/dist/embed-amd.js" "$hm/package.json" "$new/html-manager/"
for f in "$hm"/dist/*.woff "$hm"/dist/*.woff2 "$hm"/dist/*.ttf "$hm"/dist/*.eot "$hm"/dist/*.svg; do
  [ -f "$f" ] && cp "$f" "$new/html-manager/"
done

# Swap in the new tree only when complete, then write the stamp.
mkdir -p "$dest"
rm -rf "$out" "$stamp"
mv "$new" "$out"
for f in "${required[@]}"; do
  [ -f "$f" ] || { echo "fetch_assets.sh: $f missing after unpacking" >&2; exit 1; }
done
printf '%s\n' "$want" > "$stamp"
echo "fetch_assets.sh: offline assets in $out ($(du -sh "$out" | cut -f1))"

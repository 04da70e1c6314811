#!/usr/bin/env bash
# Trains the Rasa model only when its inputs changed: a hash of config.yml, domain.yml, bot/data and bot/components (training data and
# custom components) is kept beside the model, so edits are never hidden by file timestamps.
set -euo pipefail
rasa=$1
want=$( (sha256sum config.yml domain.yml; find bot/data bot/components -type f \( -name '*.yml' -o -name '*.py' \) -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)
stamp=trained/.inputs.sha256
if [ -f trained/borderless.tar.gz ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "Rasa model is up to date (trained/borderless.tar.gz)"
  exit 0
fi
"$rasa" train --data bot/data --domain domain.yml --config config.yml --out trained --fixed-model-name borderless
echo "$want" > "$stamp"

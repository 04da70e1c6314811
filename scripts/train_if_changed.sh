#!/usr/bin/env bash
# Trains the Rasa model only when its inputs changed: a hash of config.yml, domain.yml, bot/data, bot/components and
# the shop's generated training data (argument 2, from `python -m borderless shop nlu`) is kept beside the model,
# so edits are never hidden by file timestamps. Each shop gets its own model: trained/<shop id>/borderless.tar.gz,
# linked as trained/borderless.tar.gz for the shop trained last.
set -euo pipefail
rasa=$1
shop_nlu=${2:?usage: train_if_changed.sh RASA SHOP_NLU_DIR}
shop_id=$(basename "$shop_nlu")
want=$( (sha256sum config.yml domain.yml; find bot/data bot/components "$shop_nlu" -type f \( -name '*.yml' -o -name '*.py' \) -print0 | sort -z | xargs -0 sha256sum | sed "s#$shop_nlu#SHOP#") | sha256sum | cut -d' ' -f1)
out=trained/$shop_id
stamp=$out/.inputs.sha256
if ! { [ -f "$out/borderless.tar.gz" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }; then
  "$rasa" train --data bot/data "$shop_nlu" --domain domain.yml --config config.yml --out "$out" --fixed-model-name borderless
  echo "$want" > "$stamp"
else
  echo "Rasa model for $shop_id is up to date ($out/borderless.tar.gz)"
fi
ln -sfn "$shop_id/borderless.tar.gz" trained/borderless.tar.gz

"""The wording of rule-table facts, per language: what knowledge/facts.py says, written in each shopper language.

A fact is numbers from the shop's rule tables put into one or two sentences. Machine translation of those
sentences is the weakest link of a multilingual answer (no offline engine serves English→German or Dutch,
and Apertium's Spanish and French score below what shoppers should read, BENCHMARKS.md), while the
sentences themselves are few and fixed: so they are written here, once per language, and filled with the
numbers, the country's name in that language (CLDR, through borderless/countries.py) and amounts formatted
for that language's locale (Babel). Where a language puts an article or a case on a country's name ("in
die Schweiz", "la Suisse"), the sentence starts with the bare name and a colon, so no name is misdeclined.
The shop's own words (a zone's name, category names) are the shop's data and stay as the tables spell them.

`LANGUAGES` lists the languages written here; a fact asked for in another language is written in English
(and the assistant's reply step translates it where it can).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.numbers import format_currency, format_percent, get_decimal_symbol


@dataclass(frozen=True)
class FactWording:
    """Every sentence a fact is made of, in one language. `{…}` fields are filled by knowledge/facts.py."""

    one_day: str  # exactly one business day
    n_days: str  # a number of business days, "{n}"
    days: str  # a span of business days, "{low}–{high}"
    delivery_time: str
    free_above: str
    no_free: str
    shipping_cost: str
    vat_included: str
    home_duties: str
    duty: str
    duty_split: str
    duties_at_checkout: str
    duties_on_delivery: str
    no_duty_below: str
    no_vat_below: str
    limits_join: str
    return_free: str
    return_paid: str
    return_window: str
    refund_time: str
    and_word: str


WORDING: dict[str, FactWording] = {
    "en": FactWording(
        one_day="1 business day",
        n_days="{n} business days",
        days="{low}–{high} business days",
        delivery_time="{name} is in our **{zone}** shipping zone: standard delivery takes **{standard}**, "
        "express **{express}**.",
        free_above=", free on orders from **{amount}**",
        no_free="; free standard shipping is not available there",
        shipping_cost="Standard shipping to {name} ({zone} zone) costs **{standard}**{free}. "
        "Express costs **{express}** and is never free.",
        vat_included="our prices include VAT ({vat}) and ",
        home_duties="{name} is in our {zone} zone: {included}there are no customs duties to pay.",
        duty="**{rate}** duty",
        duty_split="**{apparel}** duty on {categories} and **{rate}** duty on other goods",
        duties_at_checkout="For {name} we collect **{vat}** import VAT/GST and {duty} at checkout, "
        "so there is nothing to pay on delivery.",
        duties_on_delivery="For {name}, **{vat}** import VAT/GST and {duty} are paid to the carrier on delivery.",
        no_duty_below="no duty on goods worth {amount} or less",
        no_vat_below="no VAT on goods worth {amount} or less",
        limits_join=" and ",
        return_free="Return shipping from {name} is free.",
        return_paid="From {name} you pay for return shipping.",
        return_window="You have **{days} days** from delivery to start a return.",
        refund_time="We refund you within **{days} business days** of your return reaching our warehouse.",
        and_word="and",
    ),
    "es": FactWording(
        one_day="1 día hábil",
        n_days="{n} días hábiles",
        days="{low}–{high} días hábiles",
        delivery_time="{name} está en nuestra zona de envío **{zone}**: el envío estándar tarda **{standard}** "
        "y el exprés **{express}**.",
        free_above=", gratis en pedidos desde **{amount}**",
        no_free="; allí no hay envío estándar gratuito",
        shipping_cost="El envío estándar a {name} (zona {zone}) cuesta **{standard}**{free}. "
        "El envío exprés cuesta **{express}** y nunca es gratis.",
        vat_included="nuestros precios incluyen el IVA ({vat}) y ",
        home_duties="{name} está en nuestra zona {zone}: {included}no hay aranceles de aduana que pagar.",
        duty="**{rate}** de arancel",
        duty_split="**{apparel}** de arancel en {categories} y **{rate}** en los demás productos",
        duties_at_checkout="Para {name} cobramos **{vat}** de IVA de importación y {duty} al pagar el pedido, "
        "así que no hay nada que pagar en la entrega.",
        duties_on_delivery="Para {name}, **{vat}** de IVA de importación y {duty} se pagan al transportista "
        "en la entrega.",
        no_duty_below="no hay arancel en productos de {amount} o menos",
        no_vat_below="no hay IVA en productos de {amount} o menos",
        limits_join=" y ",
        return_free="La devolución desde {name} es gratuita.",
        return_paid="Desde {name} el envío de la devolución corre de tu cuenta.",
        return_window="Tienes **{days} días** desde la entrega para iniciar una devolución.",
        refund_time="Te reembolsamos en un plazo de **{days} días hábiles** desde que tu devolución llega a "
        "nuestro almacén.",
        and_word="y",
    ),
    "de": FactWording(
        one_day="1 Werktag",
        n_days="{n} Werktage",
        days="{low}–{high} Werktage",
        delivery_time="{name} (Versandzone **{zone}**): Standardversand dauert **{standard}**, "
        "Expressversand **{express}**.",
        free_above=", kostenlos ab einem Bestellwert von **{amount}**",
        no_free="; kostenloser Standardversand ist dorthin nicht möglich",
        shipping_cost="{name} (Zone {zone}): Standardversand kostet **{standard}**{free}. "
        "Expressversand kostet **{express}** und ist nie kostenlos.",
        vat_included="unsere Preise enthalten die Mehrwertsteuer ({vat}) und ",
        home_duties="{name} (Zone {zone}): {included}es fallen keine Zölle an.",
        duty="**{rate}** Zoll",
        duty_split="**{apparel}** Zoll auf {categories} und **{rate}** Zoll auf andere Waren",
        duties_at_checkout="{name}: Wir erheben **{vat}** Einfuhrumsatzsteuer und {duty} an der Kasse, "
        "bei der Zustellung ist also nichts zu zahlen.",
        duties_on_delivery="{name}: **{vat}** Einfuhrumsatzsteuer und {duty} werden bei der Zustellung an "
        "den Zusteller gezahlt.",
        no_duty_below="kein Zoll auf Waren im Wert von {amount} oder weniger",
        no_vat_below="keine Einfuhrumsatzsteuer auf Waren im Wert von {amount} oder weniger",
        limits_join=" und ",
        return_free="{name}: Die Rücksendung ist kostenlos.",
        return_paid="{name}: Den Rückversand zahlst du selbst.",
        return_window="Du hast **{days} Tage** ab der Zustellung Zeit, eine Rücksendung zu starten.",
        refund_time="Wir erstatten dir den Betrag innerhalb von **{days} Werktagen**, nachdem deine Rücksendung "
        "in unserem Lager angekommen ist.",
        and_word="und",
    ),
    "fr": FactWording(
        one_day="1 jour ouvré",
        n_days="{n} jours ouvrés",
        days="{low} à {high} jours ouvrés",
        delivery_time="{name} (zone de livraison **{zone}**) : la livraison standard prend **{standard}**, "
        "la livraison express **{express}**.",
        free_above=", offerte dès **{amount}** de commande",
        no_free=" ; la livraison standard gratuite n'y est pas proposée",
        shipping_cost="{name} (zone {zone}) : la livraison standard coûte **{standard}**{free}. "
        "La livraison express coûte **{express}** et n'est jamais offerte.",
        vat_included="nos prix incluent la TVA ({vat}) et ",
        home_duties="{name} (zone {zone}) : {included}il n'y a pas de droits de douane à payer.",
        duty="**{rate}** de droits de douane",
        duty_split="**{apparel}** de droits de douane sur {categories} et **{rate}** sur les autres articles",
        duties_at_checkout="{name} : nous percevons **{vat}** de TVA à l'importation et {duty} lors du "
        "paiement, il n'y a donc rien à payer à la livraison.",
        duties_on_delivery="{name} : **{vat}** de TVA à l'importation et {duty} sont payés au transporteur "
        "à la livraison.",
        no_duty_below="pas de droits de douane sur les articles d'une valeur de {amount} ou moins",
        no_vat_below="pas de TVA sur les articles d'une valeur de {amount} ou moins",
        limits_join=" et ",
        return_free="{name} : le retour est gratuit.",
        return_paid="{name} : les frais de retour sont à votre charge.",
        return_window="Vous disposez de **{days} jours** à compter de la livraison pour lancer un retour.",
        refund_time="Nous vous remboursons sous **{days} jours ouvrés** après l'arrivée de votre retour dans "
        "notre entrepôt.",
        and_word="et",
    ),
    "pt": FactWording(
        one_day="1 dia útil",
        n_days="{n} dias úteis",
        days="{low}–{high} dias úteis",
        delivery_time="{name} (zona de envio **{zone}**): o envio normal demora **{standard}** e o "
        "expresso **{express}**.",
        free_above=", grátis em encomendas a partir de **{amount}**",
        no_free="; não há envio normal grátis para lá",
        shipping_cost="{name} (zona {zone}): o envio normal custa **{standard}**{free}. "
        "O envio expresso custa **{express}** e nunca é grátis.",
        vat_included="os nossos preços incluem IVA ({vat}) e ",
        home_duties="{name} (zona {zone}): {included}não há direitos aduaneiros a pagar.",
        duty="**{rate}** de direitos aduaneiros",
        duty_split="**{apparel}** de direitos aduaneiros em {categories} e **{rate}** nos outros artigos",
        duties_at_checkout="{name}: cobramos **{vat}** de IVA de importação e {duty} no pagamento, "
        "por isso não há nada a pagar na entrega.",
        duties_on_delivery="{name}: **{vat}** de IVA de importação e {duty} são pagos à transportadora na entrega.",
        no_duty_below="sem direitos aduaneiros em artigos de {amount} ou menos",
        no_vat_below="sem IVA em artigos de {amount} ou menos",
        limits_join=" e ",
        return_free="{name}: a devolução é grátis.",
        return_paid="{name}: o envio da devolução é pago por si.",
        return_window="Tem **{days} dias** a partir da entrega para iniciar uma devolução.",
        refund_time="Reembolsamos no prazo de **{days} dias úteis** após a sua devolução chegar ao nosso armazém.",
        and_word="e",
    ),
    "nl": FactWording(
        one_day="1 werkdag",
        n_days="{n} werkdagen",
        days="{low}–{high} werkdagen",
        delivery_time="{name} (verzendzone **{zone}**): standaardlevering duurt **{standard}**, express **{express}**.",
        free_above=", gratis bij bestellingen vanaf **{amount}**",
        no_free="; gratis standaardverzending is daar niet mogelijk",
        shipping_cost="{name} (zone {zone}): standaardverzending kost **{standard}**{free}. "
        "Express kost **{express}** en is nooit gratis.",
        vat_included="onze prijzen zijn inclusief btw ({vat}) en ",
        home_duties="{name} (zone {zone}): {included}er zijn geen invoerrechten te betalen.",
        duty="**{rate}** invoerrechten",
        duty_split="**{apparel}** invoerrechten op {categories} en **{rate}** op andere artikelen",
        duties_at_checkout="{name}: we rekenen **{vat}** invoer-btw en {duty} af bij het afrekenen, "
        "dus bij de levering hoef je niets te betalen.",
        duties_on_delivery="{name}: je betaalt **{vat}** invoer-btw en {duty} bij de levering aan de vervoerder.",
        no_duty_below="geen invoerrechten op goederen met een waarde van {amount} of minder",
        no_vat_below="geen btw op goederen met een waarde van {amount} of minder",
        limits_join=" en ",
        return_free="{name}: retourneren is gratis.",
        return_paid="{name}: de retourzending betaal je zelf.",
        return_window="Je hebt **{days} dagen** na de levering om een retour te starten.",
        refund_time="We betalen je terug binnen **{days} werkdagen** nadat je retour in ons magazijn is aangekomen.",
        and_word="en",
    ),
    "it": FactWording(
        one_day="1 giorno lavorativo",
        n_days="{n} giorni lavorativi",
        days="{low}–{high} giorni lavorativi",
        delivery_time="{name} (zona di spedizione **{zone}**): la consegna standard richiede "
        "**{standard}**, quella espressa **{express}**.",
        free_above=", gratuita per ordini da **{amount}**",
        no_free="; lì la spedizione standard gratuita non è disponibile",
        shipping_cost="{name} (zona {zone}): la spedizione standard costa **{standard}**{free}. "
        "La spedizione espressa costa **{express}** e non è mai gratuita.",
        vat_included="i nostri prezzi includono l'IVA ({vat}) e ",
        home_duties="{name} (zona {zone}): {included}non ci sono dazi doganali da pagare.",
        duty="**{rate}** di dazio",
        duty_split="**{apparel}** di dazio su {categories} e **{rate}** sugli altri articoli",
        duties_at_checkout="{name}: riscuotiamo **{vat}** di IVA all'importazione e {duty} al pagamento, "
        "quindi alla consegna non c'è nulla da pagare.",
        duties_on_delivery="{name}: **{vat}** di IVA all'importazione e {duty} si pagano al corriere alla consegna.",
        no_duty_below="nessun dazio sulla merce di valore pari o inferiore a {amount}",
        no_vat_below="nessuna IVA sulla merce di valore pari o inferiore a {amount}",
        limits_join=" e ",
        return_free="{name}: il reso è gratuito.",
        return_paid="{name}: la spedizione del reso è a tuo carico.",
        return_window="Hai **{days} giorni** dalla consegna per avviare un reso.",
        refund_time="Ti rimborsiamo entro **{days} giorni lavorativi** dall'arrivo del reso nel nostro magazzino.",
        and_word="e",
    ),
}
LANGUAGES: frozenset[str] = frozenset(WORDING)
DEFAULT = "en"


def language_of(language: str | None) -> str:
    """The language facts are written in for a shopper writing `language`: it, when written here, else English."""
    code = (language or DEFAULT).split("-")[0].lower()
    return code if code in WORDING else DEFAULT


def wording(language: str | None) -> FactWording:
    return WORDING[language_of(language)]


def money(amount: float, currency: str, language: str) -> str:
    """An amount as `language`'s locale writes it, without `.00` / `,00` on whole amounts."""
    text = format_currency(amount, currency, locale=language)
    if float(amount).is_integer():
        text = re.sub(re.escape(get_decimal_symbol(language)) + r"0+(?!\d)", "", text)
    return text.replace("\xa0", " ").replace("\u202f", " ")


def percent(rate: float, language: str) -> str:
    return format_percent(rate, format="#,##0.#%", locale=language).replace("\xa0", " ").replace("\u202f", " ")


def days(span: tuple[int, int], language: str) -> str:
    low, high = span
    words = wording(language)
    if low != high:
        return words.days.format(low=low, high=high)
    return words.one_day if low == 1 else words.n_days.format(n=low)

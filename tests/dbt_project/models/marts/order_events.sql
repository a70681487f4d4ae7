{{ config(materialized='incremental', incremental_strategy='append') }}

-- Every status an order has had: each batch's rows are appended.
select order_id, status, ordered_at, batch
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where batch > (select max(batch) from {{ this }})
{% endif %}

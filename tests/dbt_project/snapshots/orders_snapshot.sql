{% snapshot orders_snapshot %}
{{ config(target_schema=target.schema, unique_key='order_id', strategy='timestamp', updated_at='ordered_at') }}

select order_id, customer_id, status, ordered_at from {{ ref('orders_merge') }}

{% endsnapshot %}
